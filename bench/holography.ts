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
const networkPath: NetworkPath | undefined = undefined; // <-- NETWORK PATH HOOK: set me
// ---------------------------------------------------------------------------------------------

interface Args {
  sizes: number[];
  heights: number[];
  iterations: number;
  seed: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [1024, 2048],
    heights: [2, 4, 8],
    iterations: 10,
    seed: 1,
    out: resolve(here, 'results/holography.json'),
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

      if (networkPath) {
        const net = networkPath;
        const tn = await timed(() =>
          net({ holograms, heightsUm, width: size, height: size, ...OPTICS }),
        );
        rows.push({ size, method: 'network', heights: k, iterations: 0, padding: '-', timeMs: tn.ms, cpuMs: tn.cpuMs, ...score(tn.value, obj.field, cellMask) });
        printRow(rows[rows.length - 1]);
      }
    }
  }

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
      networkPath: networkPath ? 'set' : 'not set',
    },
    fft: fftRows,
    results: rows,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nwrote ${args.out}`);
}

function printRow(r: Row): void {
  console.log(
    `  ${r.size} ${r.method} K=${r.heights} it=${r.iterations} pad=${r.padding}: ${fmt(r.timeMs, 0)} ms (cpu ${fmt(r.cpuMs, 0)}), ` +
      `amp SSIM ${fmt(r.amplitudeSsim, 4)}, phase RMSE ${fmt(r.phaseRmseRad, 4)} rad (cells ${fmt(r.phaseRmseCellsRad, 4)})`,
  );
}

await main();
