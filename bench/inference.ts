/**
 * Inference benchmark: for each bundled model (or the test fixtures when none is bundled), a 2048×2048 RGB
 * image through the real pipeline (raw file in → inference host → raw float32 file out) on every provider that
 * works here. Prints a table and writes bench/results/inference.json (and inference-huge.json for `--huge`).
 *
 *   XDG_RUNTIME_DIR=/tmp/lucida-xdg node_modules/.bin/node \
 *     --import ./src/main/services/inference/ts-hooks.mjs bench/inference.ts [--size 2048] [--tile 256] [--huge 20000]
 *     [--webgpu-size 512]   (a smaller image for WebGPU where it is software-rendered)
 *     [--huge-format raw|jpeg] [--huge-model ID]
 *   (`--size 0 --huge 20000` runs only the whole-slide memory check)
 *
 * Columns: MP/s = input megapixels per second of the whole run (decode of nothing — the input is raw — plus
 * statistics, tiling, model runs, blending and writing); model ms = time inside session.run for the same tiles;
 * overhead = the rest, as a share of the run; peak RSS = the inference host's maximum resident memory.
 * `--huge N` adds one CPU run on an N×N RGB image (raw uint8 in, raw float32 out) to show memory stays bounded.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInferenceClient, forkSpawner, readManifest, type ProviderName } from '../src/main/services/inference';

const root = path.resolve(import.meta.dirname, '..');
const inferenceDir = path.join(root, 'src/main/services/inference');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const sizePx = Number(arg('size') ?? 2048);
const tileOverride = arg('tile') ? Number(arg('tile')) : undefined;
const hugePx = arg('huge') ? Number(arg('huge')) : undefined;
// `--huge-format jpeg` feeds the whole-slide check a JPEG, so sharp's streaming decode is part of what is measured.
const hugeFormat = arg('huge-format') === 'jpeg' ? 'jpeg' : 'raw';
const hugeModel = arg('huge-model');
// WebGPU on a software rasteriser (Mesa lavapipe in CI) runs at ~0.02 MP/s: give it a smaller image there.
const webgpuSizePx = arg('webgpu-size') ? Number(arg('webgpu-size')) : sizePx;

function modelRoots(): { roots: string[]; ids: string[]; source: string } {
  const bundled = path.join(root, 'resources/models');
  const ids = existsSync(bundled) ? readdirSync(bundled).filter((d) => existsSync(path.join(bundled, d, 'manifest.json'))) : [];
  if (ids.length > 0) return { roots: [bundled], ids, source: 'resources/models' };
  const fixtures = path.join(root, 'test-fixtures/models');
  return { roots: [fixtures], ids: readdirSync(fixtures).filter((d) => existsSync(path.join(fixtures, d, 'manifest.json'))), source: 'test-fixtures/models (no bundled models yet)' };
}

function newClient(roots: string[]) {
  return createInferenceClient({
    spawn: forkSpawner({
      modulePath: path.join(inferenceDir, 'host-process.ts'),
      execArgv: ['--import', path.join(inferenceDir, 'ts-hooks.mjs'), '--disable-warning=ExperimentalWarning', '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'],
    }),
    config: { modelRoots: roots },
  });
}

/** An RGB uint8 raw file of noise, written in bands so the benchmark itself stays small. */
async function writeNoiseRaw(file: string, w: number, h: number, channels: number): Promise<void> {
  const handle = await open(file, 'w');
  const bandRows = Math.max(1, Math.floor((16 << 20) / (w * channels)));
  let s = 12345;
  for (let y = 0; y < h; y += bandRows) {
    const rows = Math.min(bandRows, h - y);
    const buf = new Uint8Array(rows * w * channels);
    for (let i = 0; i < buf.length; i++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      buf[i] = s >>> 24;
    }
    await handle.write(buf, 0, buf.length, y * w * channels);
  }
  await handle.close();
}

interface Row {
  model: string;
  provider: string;
  sizePx: number;
  tileSizePx: number;
  tiles: number;
  batchTiles: number;
  totalMs: number;
  modelMs: number;
  megapixelsPerS: number;
  overheadPct: number;
  peakRssMb: number;
}

async function main() {
  const { roots, ids, source } = modelRoots();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'lucida-bench-'));
  const rows: Row[] = [];
  const notes: string[] = [`models from ${source}`];
  try {
    for (const id of sizePx > 0 ? ids : []) {
      const { manifest } = await readManifest(path.join(roots[0], id));
      const channels = manifest.input.channels.length;
      const inputs = new Map<number, string>();
      const inputFor = async (px: number) => {
        if (!inputs.has(px)) {
          const file = path.join(tmp, `${id}-${px}.raw`);
          await writeNoiseRaw(file, px, px, channels);
          inputs.set(px, file);
        }
        return inputs.get(px)!;
      };
      const probe = newClient(roots);
      const report = await probe.gpuCheck(id);
      await probe.close();
      for (const p of report.providers) {
        if (p.status === 'skipped' || p.status === 'failed') {
          notes.push(`${id} ${p.provider}: ${p.status} — ${p.reason}`);
          continue;
        }
        const provider = p.provider as ProviderName;
        const px = provider === 'webgpu' ? webgpuSizePx : sizePx;
        const input = await inputFor(px);
        // A fresh host per provider, so its peak RSS belongs to this run alone.
        const client = newClient(roots);
        const tileSizePx = tileOverride ?? manifest.tile.size;
        // Warm-up on one row of tiles as wide as the real image, so the batch shape is the one the real run
        // uses: WebGPU compiles its shaders per input shape on the first run.
        const warmRows = Math.min(px, tileSizePx);
        await client.enhance({ modelId: id, input: { kind: 'memory', data: new Float32Array(px * warmRows * channels), widthPx: px, heightPx: warmRows, channels }, output: { kind: 'memory' }, provider, tileSizePx });
        const started = performance.now();
        const out = path.join(tmp, `${id}-${provider}.f32`);
        const r = await client.enhance({ modelId: id, input: { kind: 'raw', path: input, widthPx: px, heightPx: px, channels, sampleType: 'uint8' }, output: { kind: 'file', path: out }, provider, tileSizePx });
        const totalMs = performance.now() - started;
        const stats = await client.stats();
        await client.close();
        await rm(out, { force: true });
        await rm(`${out}.json`, { force: true });
        rows.push({
          model: id,
          provider,
          sizePx: px,
          tileSizePx: r.provenance.tileSize ?? tileSizePx,
          tiles: r.tiles,
          batchTiles: Math.ceil(r.tiles / r.batches),
          totalMs,
          modelMs: r.modelMs,
          megapixelsPerS: (px * px) / 1e6 / (totalMs / 1000),
          overheadPct: (100 * (totalMs - r.modelMs)) / totalMs,
          peakRssMb: stats.maxRssBytes / 2 ** 20,
        });
        console.error(`  ${id} on ${provider}: ${(totalMs / 1000).toFixed(1)} s`);
      }
      for (const file of inputs.values()) await rm(file, { force: true });
    }

    let huge: Record<string, unknown> | null = null;
    if (hugePx) {
      const id = hugeModel ?? ids[0];
      const input = path.join(tmp, `huge-in.${hugeFormat === 'jpeg' ? 'jpg' : 'raw'}`);
      console.error(`  writing a ${hugePx}×${hugePx} RGB ${hugeFormat} input…`);
      if (hugeFormat === 'jpeg') {
        const sharp = (await import('sharp')).default;
        await sharp({ create: { width: hugePx, height: hugePx, channels: 3, background: { r: 180, g: 120, b: 160 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } }, limitInputPixels: false })
          .jpeg({ quality: 90 })
          .toFile(input);
      } else {
        await writeNoiseRaw(input, hugePx, hugePx, 3);
      }
      const client = newClient([...roots, path.join(root, 'test-fixtures/models')]);
      const out = path.join(tmp, 'huge-out.f32');
      const started = performance.now();
      let last = 0;
      const r = await client.enhance(
        {
          modelId: id,
          input: hugeFormat === 'jpeg' ? { kind: 'file', path: input } : { kind: 'raw', path: input, widthPx: hugePx, heightPx: hugePx, channels: 3, sampleType: 'uint8' },
          output: { kind: 'file', path: out },
          provider: 'cpu',
          tileSizePx: tileOverride ?? 512,
          tempDir: tmp,
        },
        {
          onProgress: (e) => {
            if (e.stage === 'tiles' && performance.now() - last > 10_000) {
              last = performance.now();
              console.error(`  huge: ${e.done}/${e.total} tiles`);
            }
          },
        },
      );
      const stats = await client.stats();
      await client.close();
      huge = { model: id, provider: 'cpu', sizePx: hugePx, inputFormat: hugeFormat, tiles: r.tiles, totalS: (performance.now() - started) / 1000, peakRssMb: stats.maxRssBytes / 2 ** 20, outputBytes: r.widthPx * r.heightPx * r.channels * 4 };
      await rm(input, { force: true });
      await rm(out, { force: true });
      await rm(`${out}.json`, { force: true });
    }

    const header = ['model', 'provider', 'size', 'tile', 'tiles', 'batch', 'total s', 'model ms', 'MP/s', 'overhead', 'peak RSS'];
    const table = rows.map((r) => [r.model, r.provider, `${r.sizePx}²`, String(r.tileSizePx), String(r.tiles), String(r.batchTiles), (r.totalMs / 1000).toFixed(2), r.modelMs.toFixed(0), r.megapixelsPerS.toPrecision(3), `${r.overheadPct.toFixed(1)} %`, `${r.peakRssMb.toFixed(0)} MB`]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const t of table) console.log(line(t));
    for (const n of notes) console.log(`note: ${n}`);
    if (huge) console.log(`huge: ${JSON.stringify(huge)}`);

    const results = path.join(root, 'bench/results');
    await mkdir(results, { recursive: true });
    const host = { platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, node: process.version };
    const date = new Date().toISOString();
    // The whole-slide check takes long, so it keeps its own file and a plain run does not erase it.
    if (rows.length > 0) await writeFile(path.join(results, 'inference.json'), `${JSON.stringify({ date, host, rows, notes }, null, 2)}\n`);
    if (huge) await writeFile(path.join(results, `inference-huge${hugeFormat === 'jpeg' ? '-jpeg' : ''}.json`), `${JSON.stringify({ date, host, huge }, null, 2)}\n`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
