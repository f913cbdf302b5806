/**
 * Holography benchmark: time and quality of single-height back-propagation and multi-height
 * iterative phase retrieval (2, 4, 8 heights) on simulated cell-like phase objects.
 *
 * Run (Node 22, type stripping; the script registers a tiny resolve hook so that the
 * extension-less relative imports used in src/shared resolve to .ts files):
 *
 *   node_modules/.bin/node --experimental-strip-types bench/holography.ts [options]
 *
 * Options:
 *   --sizes 1024,2048      field sizes (pixels, square)
 *   --heights 2,4,8        numbers of heights for multi-height retrieval
 *   --iterations 10        multi-height iterations
 *   --seed 1               simulation seed
 *   --out bench/results/holography.json
 *   --model lucida-holo-phase   holography network id (network path; skipped with a note when not installed)
 *   --model-root DIR            extra folder holding <model id>/manifest.json (default: resources/models)
 *   --providers cpu,webgpu      execution providers for the network path, each optionally with its own tile
 *                               (cpu:whole, webgpu:1024); those that fail to load are reported
 *   --tile 768|whole            network tile size override (input px, halo included; 'whole' = one tile per field)
 *
 * Network path: back-propagation of the first-height hologram (normalised by its background amplitude, as the
 * app does it: src/main/services/holography/physics.ts) followed by the holography network through the inference
 * engine (onnxruntime-node, tiled as in the app), timed end to end per provider against multi-height retrieval.
 *
 * Prints a table and writes JSON. Quality: amplitude SSIM (dynamic range L = 1, the illumination
 * amplitude) and phase RMSE after removing the global phase offset, over the whole field and over
 * the cell pixels only.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { register } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ComplexField } from '../src/shared/optics/field';

// ---------------------------------------------------------------------------------------------
// Resolve hook: retry failed relative specifiers with a ".ts" suffix (src/shared uses bundler-style
// extension-less imports).
// ---------------------------------------------------------------------------------------------
const hookSource = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if ((specifier.startsWith('./') || specifier.startsWith('../')) && !/\\.[cm]?[jt]s$/.test(specifier)) {
      return next(specifier + '.ts', context);
    }
    throw err;
  }
}`;
register('data:text/javascript,' + encodeURIComponent(hookSource), pathToFileURL('./'));

const here = dirname(fileURLToPath(import.meta.url));
type Optics = typeof import('../src/shared/optics/index');
const optics: Optics = await import(pathToFileURL(resolve(here, '../src/shared/optics/index.ts')).href);

// ---------------------------------------------------------------------------------------------
// NETWORK PATH HOOK
// The learned reconstruction (inference engine, built separately) plugs in here: assign an async
// function that maps the simulated holograms to a complex object field of the same size. When set,
// it is timed and scored exactly like the physics baselines, as method "network".
// ---------------------------------------------------------------------------------------------
export interface NetworkPathInput {
  holograms: readonly Float64Array[];
  heightsUm: readonly number[];
  width: number;
  height: number;
  wavelengthNm: number;
  pixelSizeUm: number;
  refractiveIndex: number;
}
export type NetworkPath = (input: NetworkPathInput) => Promise<ComplexField>;
// The network path plugs in per provider (see makeNetworkPath below); it needs the inference engine, which
// uses extension-less and folder imports: register the same hooks the inference host runs with.
await import(pathToFileURL(resolve(here, '../src/main/services/inference/ts-hooks.mjs')).href);
type Physics = typeof import('../src/main/services/holography/physics');
type Engine = typeof import('../src/main/services/inference/engine');
// ---------------------------------------------------------------------------------------------

interface Args {
  sizes: number[];
  heights: number[];
  iterations: number;
  seed: number;
  out: string;
  model: string;
  modelRoots: string[];
  providers: string[];
  /** A tile size (input px, halo included), or 'whole' for one tile covering the field plus its halo. */
  tile: number | 'whole' | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [1024, 2048],
    heights: [2, 4, 8],
    iterations: 10,
    seed: 1,
    out: resolve(here, 'results/holography.json'),
    model: 'lucida-holo-phase',
    modelRoots: [resolve(here, '../resources/models')],
    providers: ['cpu', 'webgpu'],
    tile: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    const list = (v: string | undefined): number[] => (v ?? '').split(',').map((s) => Number(s.trim())).filter((x) => x > 0);
    if (key === '--sizes') args.sizes = list(value);
    else if (key === '--heights') args.heights = list(value);
    else if (key === '--iterations') args.iterations = Number(value);
    else if (key === '--seed') args.seed = Number(value);
    else if (key === '--out') args.out = resolve(value ?? args.out);
    else if (key === '--model') args.model = value ?? args.model;
    else if (key === '--model-root') args.modelRoots.unshift(resolve(value ?? '.'));
    else if (key === '--providers') args.providers = (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
    else if (key === '--tile') args.tile = value === 'whole' ? 'whole' : Number(value);
    else continue;
    i++;
  }
  return args;
}

interface Row {
  size: number;
  method: string;
  heights: number;
  iterations: number;
  padding: string;
  /** wall-clock time */
  timeMs: number;
  /** process CPU time (less sensitive to other load on the machine) */
  cpuMs: number;
  amplitudeSsim: number;
  phaseRmseRad: number;
  phaseRmseCellsRad: number;
}

const OPTICS = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1.0 };
const Z_FIRST_UM = 300;
const Z_SPAN_UM = 300;

function heightsFor(k: number): number[] {
  if (k === 1) return [Z_FIRST_UM];
  return Array.from({ length: k }, (_, i) => Z_FIRST_UM + (i * Z_SPAN_UM) / (k - 1));
}

function score(field: ComplexField, truth: ComplexField, cellMask: Uint8Array): Omit<Row, 'size' | 'method' | 'heights' | 'iterations' | 'padding' | 'timeMs' | 'cpuMs'> {
  return {
    amplitudeSsim: optics.amplitudeSsim(field, truth, { dataRange: 1 }),
    phaseRmseRad: optics.phaseRmse(field, truth),
    phaseRmseCellsRad: optics.phaseRmse(field, truth, { mask: cellMask }),
  };
}

/** Wall-clock and process CPU time (user + system) of a call. */
async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  const fftRows: { size: number; fft2Ms: number; fft2CpuMs: number }[] = [];
  console.log(`holography bench: sizes ${args.sizes.join(',')}, heights ${args.heights.join(',')}, iterations ${args.iterations}`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);

  const { networkPaths, networkNotes, networkModel } = await makeNetworkPaths(args);

  for (const size of args.sizes) {
    // FFT reference timing (forward 2-D complex FFT, size x size and the padded 2size x 2size)
    for (const s of [size, 2 * size]) {
      const re = new Float64Array(s * s).map((_, i) => Math.sin(i));
      const im = new Float64Array(s * s);
      optics.fft2(re, im, s, s); // warm-up (plans, JIT)
      const t = await timed(() => optics.fft2(re, im, s, s));
      fftRows.push({ size: s, fft2Ms: t.ms, fft2CpuMs: t.cpuMs });
      console.log(`  fft2 ${s}x${s}: ${fmt(t.ms, 1)} ms (cpu ${fmt(t.cpuMs, 1)} ms)`);
    }

    const t0 = performance.now();
    const obj = optics.simulateObject({ width: size, height: size, pixelSizeUm: OPTICS.pixelSizeUm, seed: args.seed });
    const cellMask = new Uint8Array(size * size);
    for (let i = 0; i < cellMask.length; i++) cellMask[i] = obj.phaseRad[i] > 0.05 ? 1 : 0;
    console.log(`  size ${size}: ${obj.cells.length} cells simulated in ${fmt(performance.now() - t0, 0)} ms`);

    const maxK = Math.max(1, ...args.heights);
    const rngDrift = optics.createRng(args.seed + 17);
    const drift = Array.from({ length: maxK }, (_, k) =>
      k === 0 ? { x: 0, y: 0 } : { x: rngDrift.uniform(-3, 3), y: rngDrift.uniform(-3, 3) },
    );
    const noise = { seed: args.seed + 99, photonsAtBackground: 5000, readNoiseSigma: 0.003 };
    let lastStack: { holograms: Float64Array[]; heightsUm: number[] } | null = null;

    // single-height back-propagation (first height), padded with the border mean
    {
      const holo = optics.simulateHologram(obj.field, { ...OPTICS, zUm: Z_FIRST_UM, noise });
      for (const padding of ['mean', 'none'] as const) {
        const t = await timed(() =>
          optics.backPropagateHologram(holo, size, size, { ...OPTICS, zUm: Z_FIRST_UM, padding }),
        );
        rows.push({ size, method: 'back-propagation', heights: 1, iterations: 0, padding, timeMs: t.ms, cpuMs: t.cpuMs, ...score(t.value, obj.field, cellMask) });
        printRow(rows[rows.length - 1]);
      }
    }

    for (const k of args.heights) {
      const heightsUm = heightsFor(k);
      const holograms = optics.simulateMultiHeight(obj.field, { ...OPTICS, heightsUm, shiftsPx: drift.slice(0, k), noise });
      const t = await timed(() =>
        optics.multiHeightRetrieve(holograms, size, size, { ...OPTICS, heightsUm, iterations: args.iterations, padding: 'none' }),
      );
      rows.push({
        size,
        method: 'multi-height',
        heights: k,
        iterations: args.iterations,
        padding: 'none',
        timeMs: t.ms,
        cpuMs: t.cpuMs,
        ...score(t.value.objectField, obj.field, cellMask),
      });
      printRow(rows[rows.length - 1]);

      if (k === maxK) lastStack = { holograms, heightsUm };
    }

    // The network path uses one hologram (the first height) of the largest stack's simulation.
    if (lastStack) {
      for (const net of networkPaths) {
        const input = { holograms: lastStack.holograms, heightsUm: lastStack.heightsUm, width: size, height: size, ...OPTICS };
        try {
          await net.run({ ...input, width: Math.min(size, 256), height: Math.min(size, 256), holograms: lastStack.holograms.map((h) => cropSquare(h, size, Math.min(size, 256))) }); // warm-up: session, provider, kernels
          const tn = await timed(() => net.run(input));
          rows.push({ size, method: `network (${net.provider})`, heights: 1, iterations: 0, padding: 'mean', timeMs: tn.ms, cpuMs: tn.cpuMs, ...score(tn.value, obj.field, cellMask) });
          printRow(rows[rows.length - 1]);
        } catch (error) {
          networkNotes.push(`${size}px ${net.provider}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
          console.log(`  ${size} network (${net.provider}) failed: ${networkNotes.at(-1)}`);
        }
      }
    }
  }

  const comparison = compareNetwork(rows, Math.max(...args.heights));
  if (comparison.length > 0) {
    console.log('');
    console.log(`network vs ${Math.max(...args.heights)}-height retrieval (target: >= 20x faster, phase RMSE within 25 %):`);
    for (const c of comparison) {
      console.log(`  ${c.size} ${c.method}: ${fmt(c.speedup, 1)}x faster, phase RMSE ${fmt(c.phaseRmseRatio, 2)}x of multi-height (cells ${fmt(c.phaseRmseCellsRatio, 2)}x) -> ${c.meetsTarget ? 'meets' : 'misses'} the target`);
    }
  }
  for (const note of networkNotes) console.log(`  note: ${note}`);

  console.log('');
  console.log('| size | method | heights | iter | padding | wall (ms) | cpu (ms) | amp SSIM | phase RMSE (rad) | phase RMSE cells (rad) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.size} | ${r.method} | ${r.heights} | ${r.iterations} | ${r.padding} | ${fmt(r.timeMs, 0)} | ${fmt(r.cpuMs, 0)} | ${fmt(r.amplitudeSsim, 4)} | ${fmt(r.phaseRmseRad, 4)} | ${fmt(r.phaseRmseCellsRad, 4)} |`,
    );
  }

  const json = {
    generatedAt: new Date().toISOString(),
    command: `node --experimental-strip-types bench/holography.ts ${process.argv.slice(2).join(' ')}`.trim(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    loadAverage: loadavg(),
    setup: {
      ...OPTICS,
      heightsUm: Object.fromEntries(args.heights.map((k) => [k, heightsFor(k)])),
      noise: { photonsAtBackground: 5000, readNoiseSigma: 0.003 },
      drift: 'uniform random +-3 px per height (registered by phase correlation)',
      ssimDataRange: 1,
      seed: args.seed,
      networkPath: networkModel ?? 'not run',
      networkNotes,
    },
    networkVsMultiHeight: compareNetwork(rows, Math.max(...args.heights)),
    fft: fftRows,
    results: rows,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nwrote ${args.out}`);
}

function compareNetwork(rows: Row[], k: number) {
  const out: { size: number; method: string; speedup: number; phaseRmseRatio: number; phaseRmseCellsRatio: number; meetsTarget: boolean }[] = [];
  for (const r of rows) {
    if (!r.method.startsWith('network')) continue;
    const mh = rows.find((m) => m.size === r.size && m.method === 'multi-height' && m.heights === k);
    if (!mh) continue;
    const speedup = mh.timeMs / r.timeMs;
    const phaseRmseRatio = r.phaseRmseRad / mh.phaseRmseRad;
    out.push({ size: r.size, method: r.method, speedup, phaseRmseRatio, phaseRmseCellsRatio: r.phaseRmseCellsRad / mh.phaseRmseCellsRad, meetsTarget: speedup >= 20 && phaseRmseRatio <= 1.25 });
  }
  return out;
}

function cropSquare(h: Float64Array, size: number, side: number): Float64Array {
  const out = new Float64Array(side * side);
  for (let y = 0; y < side; y++) out.set(h.subarray(y * size, y * size + side), y * side);
  return out;
}

interface NamedNetworkPath {
  provider: string;
  run: NetworkPath;
}

/**
 * One network path per requested provider, through the app's own pieces: the holography service's
 * back-propagation and [re, im] packing, and the inference engine's tiled runner (in-process here; the app runs
 * the same engine in its inference host).
 */
async function makeNetworkPaths(args: Args): Promise<{ networkPaths: NamedNetworkPath[]; networkNotes: string[]; networkModel: string | null }> {
  const notes: string[] = [];
  const physics: Physics = await import(pathToFileURL(resolve(here, '../src/main/services/holography/physics.ts')).href);
  const engineModule: Engine = await import(pathToFileURL(resolve(here, '../src/main/services/inference/engine.ts')).href);
  const ort = await import('onnxruntime-node');
  const { createRequire } = await import('node:module');
  let bindingDir: string | null;
  try {
    bindingDir = resolve(dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    bindingDir = null;
  }
  const engine = new engineModule.InferenceEngine({
    modelRoots: args.modelRoots,
    ladder: { platform: process.platform, arch: process.arch, backends: ort.listSupportedBackends(), bindingDir },
  });
  let model: string;
  let tiling = { size: 0, halo: 0, multiple: 1 };
  try {
    const dir = engine.resolveModelDir(args.model);
    const manifest = JSON.parse(await (await import('node:fs/promises')).readFile(resolve(dir, 'manifest.json'), 'utf8')) as {
      id: string;
      version: string;
      sha256: string;
      tile: { size: number; halo: number; multiple: number };
      training?: { steps?: number };
    };
    tiling = manifest.tile;
    model = `${manifest.id} ${manifest.version} (sha256 ${manifest.sha256.slice(0, 12)}…, ${dir}${manifest.training?.steps ? `, ${manifest.training.steps} training steps` : ''}; tiles ${args.tile ?? manifest.tile.size} px, halo ${manifest.tile.halo} px)`;
    console.log(`network path: ${model}`);
  } catch (error) {
    notes.push(`network path not run: ${error instanceof Error ? error.message : String(error)}`);
    console.log(notes[0]);
    return { networkPaths: [], networkNotes: notes, networkModel: null };
  }
  // A provider entry may name its own tile: `cpu:whole`, `webgpu:1024`.
  const paths = args.providers.map((entry): NamedNetworkPath => {
    const [provider, tileText] = entry.split(':');
    const tile: Args['tile'] = tileText === undefined ? args.tile : tileText === 'whole' ? 'whole' : Number(tileText);
    return {
    provider: tile === undefined ? provider : `${provider}, tile ${tile}`,
    run: async (input) => {
      const field = physics.backPropagate(input.holograms[0], input.width, input.height, input, input.heightsUm[0]);
      const result = await engine.enhance({
        modelId: args.model,
        input: { kind: 'memory', data: physics.fieldToHwc(field), widthPx: input.width, heightPx: input.height, channels: 2 },
        output: { kind: 'memory' },
        provider: provider as 'cpu',
        ...(tile === 'whole'
          ? { tileSizePx: Math.ceil((Math.max(input.width, input.height) + 2 * tiling.halo) / tiling.multiple) * tiling.multiple }
          : tile
            ? { tileSizePx: tile }
            : {}),
      });
      if (result.provenance.executionProvider !== provider) throw new Error(`ran on ${result.provenance.executionProvider}, not ${provider}`);
      return physics.hwcToField(result.data!, input.width, input.height);
    },
    };
  });
  return { networkPaths: paths, networkNotes: notes, networkModel: model };
}

function printRow(r: Row): void {
  console.log(
    `  ${r.size} ${r.method} K=${r.heights} it=${r.iterations} pad=${r.padding}: ${fmt(r.timeMs, 0)} ms (cpu ${fmt(r.cpuMs, 0)}), ` +
      `amp SSIM ${fmt(r.amplitudeSsim, 4)}, phase RMSE ${fmt(r.phaseRmseRad, 4)} rad (cells ${fmt(r.phaseRmseCellsRad, 4)})`,
  );
}

await main();
