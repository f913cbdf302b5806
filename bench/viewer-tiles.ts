/**
 * Viewer tiles: how soon a freshly opened 10000×10000 RGB capture can be drawn, and how fast tiles are made after.
 *
 *   node_modules/.bin/node --experimental-strip-types bench/viewer-tiles.ts [--formats jpeg,png,tiff] [--side 10000]
 *
 * For each source format it measures, from a cold cache: `ensurePyramid` (header + DZI), the first tile, all tiles
 * of the level a 1280×800 viewport needs for a whole-image view, the background base copy, then the rate of
 * on-demand tiles at full resolution and one level down, and a disk-cache hit; then the first tiles again as a
 * capture opens after an import-time `prepare` (overview and base on disk, no tiles yet). Prints a table and writes
 * bench/results/viewer-tiles.json. In-browser first paint and pan frame times belong to the UI benchmark.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// Our sources import each other without extensions (bundler style); the shared hook lets Node find the .ts files.
await import('../src/main/services/inference/ts-hooks.mjs');

const { default: sharp } = await import('sharp');
const pyramid = await import('../src/main/services/pyramid/index');
const dzi = await import('../src/main/services/pyramid/dzi');

const args = process.argv.slice(2);
const argValue = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const formats = argValue('--formats', 'jpeg,png,tiff').split(',') as ('jpeg' | 'png' | 'tiff')[];
const side = Number(argValue('--side', '10000'));
const VIEWPORT = { width: 1280, height: 800 };

const now = () => performance.now();
const round = (ms: number) => Math.round(ms * 10) / 10;

/** Smooth colour gradients with fine texture, so JPEG and PNG sizes are those of a real photo, not of noise or flat colour. */
function syntheticRgb(widthPx: number, heightPx: number): Buffer {
  const data = Buffer.alloc(widthPx * heightPx * 3);
  let seed = 12345;
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const grain = (seed >> 16) & 15;
      const i = (y * widthPx + x) * 3;
      data[i] = ((x * 255) / widthPx + 30 * Math.sin(y / 40) + grain) & 255;
      data[i + 1] = ((y * 255) / heightPx + grain) & 255;
      data[i + 2] = (128 + 90 * Math.sin((x + y) / 300) + grain) & 255;
    }
  }
  return data;
}

interface Row {
  format: string;
  sourceMB: number;
  ensureMs: number;
  /** All tiles of the levels up to 256 px (cut from the thumbnail on a cold open). */
  coarseLevelsMs: number;
  firstTileMs: number;
  viewportLevel: number;
  viewportTiles: number;
  viewportLevelMs: number;
  /** The same on a reopen, or after `prepare` at import: the overview is on disk, no tile of this display yet. */
  preparedFirstTileMs: number;
  preparedViewportLevelMs: number;
  baseReadyMs: number;
  fullResTilesPerS: number;
  halfResTilesPerS: number;
  cachedTileMs: number;
  pixelReadoutMs: number;
  fullResTileKB: number;
}

async function measure(format: 'jpeg' | 'png' | 'tiff', raw: Buffer, workDir: string): Promise<Row> {
  const libraryDir = path.join(workDir, format);
  await fs.mkdir(path.join(libraryDir, 'images'), { recursive: true });
  const rel = `images/capture.${format === 'jpeg' ? 'jpg' : format === 'png' ? 'png' : 'tif'}`;
  const file = path.join(libraryDir, rel);
  let writer = sharp(raw, { raw: { width: side, height: side, channels: 3 }, limitInputPixels: false });
  writer = format === 'jpeg' ? writer.jpeg({ quality: 90 }) : format === 'png' ? writer.png({ compressionLevel: 3 }) : writer.tiff({ compression: 'lzw' });
  await writer.toFile(file);
  const sourceMB = (await fs.stat(file)).size / 1e6;
  // The import job's thumbnail (256 px), which a cold open may stand in for the coarsest levels.
  const thumbRel = 'thumbs/capture.png';
  await fs.mkdir(path.join(libraryDir, 'thumbs'), { recursive: true });
  await sharp(raw, { raw: { width: side, height: side, channels: 3 }, limitInputPixels: false })
    .resize(256, 256, { fit: 'inside' })
    .png()
    .toFile(path.join(libraryDir, thumbRel));

  /** Opens the image and asks for every tile of the level a whole-image view needs, as OpenSeadragon would. */
  const open = async (service: ReturnType<typeof pyramid.createPyramidService>) => {
    const t0 = now();
    const info = await service.ensurePyramid(rel, undefined, { previewRelPath: thumbRel });
    const ensureMs = now() - t0;
    // OpenSeadragon also asks for the coarse levels and draws them stretched until the sharp ones arrive.
    let coarseMs = Infinity;
    const coarse: Promise<string>[] = [];
    for (let l = 0; l <= dzi.maxLevel(info.width, info.height); l++) {
      const s = dzi.levelSize(info.width, info.height, l);
      if (Math.max(s.width, s.height) > 256) break;
      coarse.push(service.tileFile(info.key, l, 0, 0));
    }
    const coarseDone = Promise.all(coarse).then(() => (coarseMs = now() - t0));
    const level = dzi.levelFittingViewport(info.width, info.height, VIEWPORT);
    const grid = dzi.tileGrid(dzi.levelSize(info.width, info.height, level));
    const wanted: [number, number][] = [];
    for (let row = 0; row < grid.rows; row++) for (let col = 0; col < grid.cols; col++) wanted.push([col, row]);
    let firstTileMs = Infinity;
    await Promise.all(
      wanted.map(([col, row]) =>
        service.tileFile(info.key, level, col, row).then(() => {
          firstTileMs = Math.min(firstTileMs, now() - t0);
        }),
      ),
    );
    const viewportLevelMs = now() - t0;
    await coarseDone;
    return { info, t0, ensureMs, level, tiles: wanted.length, firstTileMs, viewportLevelMs, coarseMs };
  };

  const service = pyramid.createPyramidService({ libraryDir });
  const cold = await open(service);
  const { info, t0, ensureMs, level, firstTileMs, viewportLevelMs, coarseMs } = cold;
  await service.idle();
  const baseReadyMs = now() - t0;

  const rate = async (lvl: number, count: number) => {
    const g = dzi.tileGrid(dzi.levelSize(info.width, info.height, lvl));
    const tiles: [number, number][] = [];
    // A viewport-sized patch (8 tiles wide) in the middle, as a zoom-in would ask for.
    const patchCols = Math.min(8, g.cols);
    const c0 = Math.max(0, Math.floor((g.cols - patchCols) / 2));
    const r0 = Math.max(0, Math.floor((g.rows - Math.ceil(count / patchCols)) / 2));
    for (let i = 0; tiles.length < count && r0 + Math.floor(i / patchCols) < g.rows; i++) tiles.push([c0 + (i % patchCols), r0 + Math.floor(i / patchCols)]);
    count = tiles.length;
    const start = now();
    const files = await Promise.all(tiles.map(([c, r]) => service.tileFile(info.key, lvl, c, r)));
    const seconds = (now() - start) / 1000;
    let bytes = 0;
    for (const f of files) bytes += (await fs.stat(f)).size;
    return { perS: count / seconds, meanKB: bytes / files.length / 1024 };
  };
  const top = dzi.maxLevel(info.width, info.height);
  const fullRes = await rate(top, 48);
  const halfRes = await rate(top - 1, 48);
  const hitStart = now();
  for (let i = 0; i < 100; i++) await service.tileFile(info.key, level, 0, 0);
  const cachedTileMs = (now() - hitStart) / 100;
  const readStart = now();
  for (let i = 0; i < 1000; i++) await service.pixelValue(rel, (i * 7919) % info.width, (i * 104729) % info.height);
  const pixelReadoutMs = (now() - readStart) / 1000;
  await service.close();

  // As after an import-time `prepare`: the source's overview and base are on disk, this display's tiles are not.
  await fs.rm(path.join(libraryDir, 'tiles', info.key), { recursive: true, force: true });
  const reopened = pyramid.createPyramidService({ libraryDir });
  const prepared = await open(reopened);
  await reopened.close();

  return {
    format,
    sourceMB: round(sourceMB),
    ensureMs: round(ensureMs),
    coarseLevelsMs: round(coarseMs),
    firstTileMs: round(firstTileMs),
    viewportLevel: level,
    viewportTiles: cold.tiles,
    viewportLevelMs: round(viewportLevelMs),
    preparedFirstTileMs: round(prepared.firstTileMs),
    preparedViewportLevelMs: round(prepared.viewportLevelMs),
    baseReadyMs: round(baseReadyMs),
    fullResTilesPerS: round(fullRes.perS),
    halfResTilesPerS: round(halfRes.perS),
    fullResTileKB: round(fullRes.meanKB),
    cachedTileMs: Math.round(cachedTileMs * 1000) / 1000,
    pixelReadoutMs: Math.round(pixelReadoutMs * 1000) / 1000,
  };
}

const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lucida-bench-tiles-'));
try {
  const raw = syntheticRgb(side, side);
  const rows: Row[] = [];
  for (const format of formats) rows.push(await measure(format, raw, workDir));
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`\nViewer tiles — ${side}×${side} RGB, viewport ${VIEWPORT.width}×${VIEWPORT.height}, ${os.cpus().length} CPUs (load ${load}), sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}\n`);
  console.table(
    rows.map((r) => ({
      source: `${r.format} (${r.sourceMB} MB)`,
      'ensurePyramid ms': r.ensureMs,
      'coarse levels ms': r.coarseLevelsMs,
      'first tile ms': r.firstTileMs,
      [`viewport level (${'tiles'})`]: `${r.viewportLevel} (${r.viewportTiles})`,
      'viewport level ready ms': r.viewportLevelMs,
      'reopen: first tile ms': r.preparedFirstTileMs,
      'reopen: level ready ms': r.preparedViewportLevelMs,
      'base ready ms': r.baseReadyMs,
      'full-res tiles/s': r.fullResTilesPerS,
      '½-res tiles/s': r.halfResTilesPerS,
      'tile KB': r.fullResTileKB,
      'cache hit ms': r.cachedTileMs,
      'pixel readout ms': r.pixelReadoutMs,
    })),
  );
  const resultsDir = path.join(import.meta.dirname, 'results');
  await fs.mkdir(resultsDir, { recursive: true });
  const out = {
    benchmark: 'viewer-tiles',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, loadAverage: os.loadavg(), platform: process.platform, node: process.version },
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    image: { widthPx: side, heightPx: side, bands: 3 },
    viewport: VIEWPORT,
    rows,
  };
  await fs.writeFile(path.join(resultsDir, 'viewer-tiles.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), path.join(resultsDir, 'viewer-tiles.json'))}`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await fs.rm(workDir, { recursive: true, force: true, maxRetries: 5 });
}
