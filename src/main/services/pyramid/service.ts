/**
 * Deep Zoom pyramids of library images, made on demand and cached under `tiles/`.
 *
 * Layout: `tiles/<sourceKey>/base.v` is the source at full depth in a random-access form (shared by every display
 * setting, and the place pixel readouts come from); `tiles/<sourceKey>/<displayKey>/image.dzi` with
 * `image_files/<level>/<col>_<row>.<jpeg|png>` is one display rendering. Both hosts serve these files as
 * `/library/tiles/...`; a miss goes to `tileFile`, which makes the tile and returns its path.
 *
 * Why it is fast to first paint: `ensurePyramid` reads only the header and writes the DZI at once; an overview
 * (the largest level no bigger than 2048 px) is decoded next — for JPEG with libvips' shrink-on-load, a fraction
 * of a full decode — and every level at or below it is cut from memory. Levels above it come from `base.v`, built
 * in the background, one box-filtered region per tile.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import { LIBRARY_URL_PREFIX } from '../../../shared/wire';
import {
  COLORMAPS,
  type Colormap,
  type DisplayRequest,
  type DisplaySettings,
  type SampleFormat,
  type Samples,
  type ValueStats,
  ValueStatsAccumulator,
  boxDownsample,
  displayBands,
  mapToDisplay,
  resolveDisplay,
} from './display';
import {
  TILE_OVERLAP_PX,
  TILE_SIZE_PX,
  type TileFormat,
  dziXml,
  isTileInRange,
  levelCount,
  levelFactor,
  levelSize,
  maxLevel,
  tileRect,
} from './dzi';
import { RasterFile, bytesPerSample, vipsHeader } from './raster';
import { LifoScheduler, type SchedulerStats, TileCancelledError } from './scheduler';
import { type LocatedSource, SHARP_INPUT, type SourceDescriptor, describeSource, keepSpace, locateSource, resolveLibraryFile, writeBase } from './source';
import { pruneTileCache } from './cache';

/** Bumped when the rendering changes, so tiles made by older code are not served as if current. */
const RENDER_VERSION = 1;
/** Levels up to this size are cut from one in-memory overview (≤ 2048² × 3 bytes = 12 MiB). */
export const OVERVIEW_MAX_PX = 2048;
const KEY_RE = /^[0-9a-f]{16}$/;
const TILE_PATH_RE = /^tiles\/([0-9a-f]{16})\/([0-9a-f]{16})\/image_files\/(\d{1,2})\/(\d{1,6})_(\d{1,6})\.(jpeg|png)$/;
const JPEG_QUALITY = 90;
const MAX_OPEN_PYRAMIDS = 8;
const MAX_OPEN_SOURCES = 16;
const PRUNE_INTERVAL_MS = 60_000;

export interface PyramidServiceOptions {
  libraryDir: string;
  /** Tiles generated at once (default: CPU cores, at least 2, at most 4). */
  concurrency?: number;
  /** Queued tile requests kept; past it the oldest are dropped (default 256). */
  maxQueuedTiles?: number;
  /** Size cap of `tiles/`, least recently opened pyramids removed first (default 4 GiB). */
  cacheMaxBytes?: number;
}

export interface EnsureOptions {
  /** The catalog's sha256 of the source, when known: makes the cache key follow content, not timestamps. */
  sourceSha256?: string;
  /**
   * A small 8-bit copy of the same image (the catalog thumbnail, library-relative). While the overview of a large
   * 8-bit capture is still decoding, the levels no bigger than this copy are cut from it, so a cold open draws a
   * coarse whole image at once and sharpens when the overview lands. Ignored for other sources and settings.
   */
  previewRelPath?: string;
}

export interface PyramidInfo {
  /** `<sourceKey>/<displayKey>`, what `tileFile` takes. */
  key: string;
  /** Same-origin URL of the DZI descriptor, e.g. `/library/tiles/<sourceKey>/<displayKey>/image.dzi`. */
  dziUrl: string;
  width: number;
  height: number;
  tileSize: number;
  overlap: number;
  format: TileFormat;
  levels: number;
  /** Source pixel type: raw values read out by `pixelValue` are in these units (counts, radians …). */
  sampleFormat: SampleFormat;
  bands: number;
  /** The window, gamma and colour map in effect; null until the image's statistics are known (16-bit auto window). */
  display: DisplaySettings | null;
}

export interface PyramidStats extends SchedulerStats {
  tilesGenerated: number;
  basesBuilt: number;
  overviewsBuilt: number;
}

export interface PyramidService {
  /** Writes the DZI at once and starts the overview, then the base copy, in the background. */
  ensurePyramid(sourceRelPath: string, display?: DisplayRequest, options?: EnsureOptions): Promise<PyramidInfo>;
  /**
   * Does the slow part of opening ahead of time (for the import job, right after a capture lands): decodes the
   * overview and keeps it (a few MB), so a later `ensurePyramid` draws its first tiles without decoding the file.
   * The full-size base copy is left to the first open (16-bit and float sources need it for their statistics).
   */
  prepare(sourceRelPath: string, display?: DisplayRequest, options?: EnsureOptions): Promise<PyramidInfo>;
  /** Absolute path of a tile, made first if missing. Rejects with TileCancelledError when dropped from the queue. */
  tileFile(key: string, level: number, col: number, row: number, options?: { signal?: AbortSignal }): Promise<string>;
  /** For hosts: a library-relative request path (`tiles/…/image_files/…`) to a tile file, or null if it is not one. */
  tileFileForRequest(relPath: string, options?: { signal?: AbortSignal }): Promise<string | null>;
  /** The display settings of an open pyramid once resolved (waits for image statistics if needed). */
  displaySettings(key: string): Promise<DisplaySettings>;
  /** Raw values at full-resolution pixel (x, y), one per band, in the source's own units. */
  pixelValue(sourceRelPath: string, xPx: number, yPx: number, options?: EnsureOptions): Promise<number[]>;
  /** Removes least recently used pyramids until `tiles/` is under the cap. */
  pruneCache(maxBytes?: number): Promise<{ removedBytes: number; keptBytes: number }>;
  stats(): PyramidStats;
  /** Resolves when no tile job is queued or running and background builds are done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface LevelImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  bands: number;
}

interface OverviewSamples {
  samples: Samples;
  width: number;
  height: number;
  bands: number;
}

interface SourceState {
  sourceKey: string;
  overviews: Map<string, Promise<OverviewSamples>>;
  dir: string;
  desc: SourceDescriptor;
  sha256: string | undefined;
  base: Promise<RasterFile> | null;
  stats: Promise<ValueStats | null> | null;
}

interface PyramidState {
  key: string;
  dir: string;
  source: SourceState;
  request: DisplayRequest;
  format: TileFormat;
  overviewLevel: number;
  settings: Promise<DisplaySettings>;
  resolved: DisplaySettings | null;
  levels: Map<number, Promise<LevelImage>>;
  overviewReady: boolean;
  /** The thumbnail standing in for the smallest levels until the overview is ready (see `previewRelPath`). */
  preview: { file: string; maxSidePx: number; levels: Map<number, Promise<LevelImage>> } | null;
}

const hash16 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

function normaliseRequest(display: DisplayRequest | undefined): DisplayRequest {
  const out: DisplayRequest = {};
  if (display?.window !== undefined) {
    const [lo, hi] = display.window;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) {
      throw new AppError('invalid-input', 'A display window needs two different finite numbers.');
    }
    out.window = lo < hi ? [lo, hi] : [hi, lo];
  }
  if (display?.gamma !== undefined) {
    if (!(display.gamma > 0 && display.gamma <= 10)) throw new AppError('invalid-input', 'Gamma must be above 0 and at most 10.');
    out.gamma = display.gamma;
  }
  if (display?.colormap !== undefined) {
    if (!COLORMAPS.includes(display.colormap)) throw new AppError('invalid-input', `Colour map must be one of ${COLORMAPS.join(', ')}.`);
    out.colormap = display.colormap;
  }
  return out;
}

/**
 * PNG keeps grey and colour-mapped tiles exact (a phase colour on screen is the one on the colour bar, and no
 * ringing appears at a phase wrap); RGB photographs go as JPEG q90 with full-resolution chroma (stain edges stay
 * crisp), several times smaller than PNG with no visible loss.
 */
function tileFormatFor(sourceBands: number, colormap: Colormap): TileFormat {
  return sourceBands >= 3 && displayBands(sourceBands, colormap) === 3 ? 'jpeg' : 'png';
}

/** The largest level whose sides are both within OVERVIEW_MAX_PX. */
function overviewLevelFor(widthPx: number, heightPx: number): number {
  let level = maxLevel(widthPx, heightPx);
  while (level > 0) {
    const size = levelSize(widthPx, heightPx, level);
    if (size.width <= OVERVIEW_MAX_PX && size.height <= OVERVIEW_MAX_PX) break;
    level--;
  }
  return level;
}

async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(temp, data);
  await fs.rename(temp, file);
}

/** Touches a stamp file's times: the cache's "last used" clock. */
async function touch(file: string): Promise<void> {
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => undefined);
}

export function createPyramidService(options: PyramidServiceOptions): PyramidService {
  const libraryDir = path.resolve(options.libraryDir);
  const tilesDir = path.join(libraryDir, 'tiles');
  // Tile jobs mostly wait on libvips threads and the disk, so two run even on a two-core machine.
  const concurrency = options.concurrency ?? Math.max(2, Math.min(4, os.cpus().length));
  const scheduler = new LifoScheduler<string>(concurrency, options.maxQueuedTiles ?? 256);
  const cacheMaxBytes = options.cacheMaxBytes ?? 4 * 1024 ** 3;

  const sources = new Map<string, SourceState>();
  const pyramids = new Map<string, PyramidState>();
  const sourcesOpening = new Map<string, Promise<SourceState>>();
  const pyramidsOpening = new Map<string, Promise<PyramidState>>();
  const background = new Set<Promise<unknown>>();
  const counters = { tilesGenerated: 0, basesBuilt: 0, overviewsBuilt: 0 };
  let baseChain: Promise<unknown> = Promise.resolve();
  let lastPruneMs = 0;
  let closed = false;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    background.add(promise);
    promise.then(
      () => background.delete(promise),
      () => background.delete(promise),
    );
    return promise;
  };

  /** Keeps the most recently used entries of a map (Map order is insertion order; re-inserting refreshes). */
  function remember<V>(map: Map<string, V>, key: string, value: V, max: number, onEvict?: (value: V) => void): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > max) {
      const [oldKey, oldValue] = map.entries().next().value as [string, V];
      map.delete(oldKey);
      onEvict?.(oldValue);
    }
  }

  function evictSource(state: SourceState): void {
    for (const [key, pyramid] of pyramids) if (pyramid.source === state) pyramids.delete(key);
    const base = state.base;
    // Reads in flight finish on the open handle; closing a minute later frees the descriptor.
    if (base) setTimeout(() => void base.then((r) => r.close()).catch(() => undefined), 60_000).unref();
  }

  /** A source by path; a repeated call (pixel readouts) costs a stat, the header is read once per version. */
  async function openSource(relPath: string, opts: EnsureOptions | undefined): Promise<SourceState> {
    const located = await locateSource(libraryDir, relPath);
    const sha = opts?.sourceSha256;
    if (sha !== undefined && !/^[0-9a-f]{64}$/i.test(sha)) throw new AppError('invalid-input', 'sourceSha256 must be 64 hex digits.');
    const sourceKey = hash16(sha ? `sha256:${sha.toLowerCase()}` : `${located.relPath}\0${located.sizeBytes}\0${located.mtimeMs}`);
    const existing = sources.get(sourceKey);
    if (existing) {
      remember(sources, sourceKey, existing, MAX_OPEN_SOURCES, evictSource);
      return existing;
    }
    // Two opens of one source at once must share one state (one base build, one overview decode).
    let opening = sourcesOpening.get(sourceKey);
    if (!opening) {
      opening = createSource(located, sourceKey, sha);
      sourcesOpening.set(sourceKey, opening);
      const done = () => sourcesOpening.delete(sourceKey);
      opening.then(done, done);
    }
    return opening;
  }

  async function createSource(located: LocatedSource, sourceKey: string, sha: string | undefined): Promise<SourceState> {
    const desc = await describeSource(located);
    const dir = path.join(tilesDir, sourceKey);
    await fs.mkdir(dir, { recursive: true });
    const state: SourceState = { sourceKey, dir, desc, sha256: sha, base: null, stats: null, overviews: new Map() };
    const stamp = path.join(dir, 'source.json');
    if (existsSync(stamp)) await touch(stamp);
    else await writeAtomic(stamp, JSON.stringify({ relPath: desc.relPath, sizeBytes: desc.sizeBytes, mtimeMs: desc.mtimeMs, sha256: sha ?? null }));
    remember(sources, sourceKey, state, MAX_OPEN_SOURCES, evictSource);
    return state;
  }

  /** The full-depth random-access copy; built once (one build at a time across sources), reused across sessions. */
  function ensureBase(source: SourceState): Promise<RasterFile> {
    if (!source.base) {
      const file = path.join(source.dir, 'base.v');
      const build = async (): Promise<RasterFile> => {
        if (!existsSync(file)) {
          await fs.mkdir(source.dir, { recursive: true });
          await writeBase(source.desc, file);
          counters.basesBuilt++;
        }
        return RasterFile.open(file);
      };
      const run = baseChain.then(build, build);
      baseChain = run.catch(() => undefined);
      source.base = track(run);
      // A failed build is retried by the next caller instead of failing forever.
      run.catch(() => {
        if (source.base === run) source.base = null;
      });
    }
    return source.base;
  }

  /** 0.1/99.9 percentiles over the whole image, computed once and kept next to the base. */
  function ensureStats(source: SourceState): Promise<ValueStats | null> {
    if (!source.stats) {
      const file = path.join(source.dir, 'stats.json');
      source.stats = track(
        (async () => {
          try {
            return JSON.parse(await fs.readFile(file, 'utf8')) as ValueStats;
          } catch {
            // not computed yet
          }
          const raster = await ensureBase(source);
          const { widthPx, heightPx, bands, format } = raster.info;
          const pixels = widthPx * heightPx;
          // Floats are sorted, so they are sampled (every nth pixel, about a million values: a thousand in each 0.1 % tail);
          // integers are counted exactly.
          const accumulator = new ValueStatsAccumulator(format, format === 'float' ? Math.max(1, Math.floor(pixels / 1_000_000)) : 1);
          const rowsPerChunk = Math.max(1, Math.floor((16 * 1024 * 1024) / (widthPx * bands * bytesPerSample(format))));
          for (let top = 0; top < heightPx; top += rowsPerChunk) {
            const rows = Math.min(rowsPerChunk, heightPx - top);
            accumulator.add(await raster.readRegion(0, top, widthPx, rows), bands >= 3 ? 3 : 1, bands);
          }
          const stats = accumulator.result();
          if (stats) await writeAtomic(file, JSON.stringify(stats));
          return stats;
        })(),
      );
      source.stats.catch(() => {
        source.stats = null;
      });
    }
    return source.stats;
  }

  function knownSettings(request: DisplayRequest, format: SampleFormat): DisplaySettings | null {
    const needsStats = !request.window && format !== 'uchar' && !(format === 'float' && request.colormap === 'cyclic');
    return needsStats ? null : resolveDisplay(request, format, null);
  }

  /**
   * Full-depth samples of the overview level, kept as `overview-<level>-<kernel>.v` beside the base so a reopened
   * image (or one prepared at import) skips the decode. 8-bit files shrink on load from the source; others come
   * from the base, which they need anyway for their statistics.
   */
  function overviewSamples(pyramid: PyramidState, kernel: 'nearest' | 'lanczos3'): Promise<OverviewSamples> {
    // Two display settings opened together share one decode; the samples are not kept once both have them.
    const flight = `${pyramid.overviewLevel}-${kernel}`;
    let pending = pyramid.source.overviews.get(flight);
    if (!pending) {
      pending = loadOverviewSamples(pyramid, kernel);
      pyramid.source.overviews.set(flight, pending);
      const forget = () => pyramid.source.overviews.delete(flight);
      pending.then(forget, forget);
    }
    return pending;
  }

  /**
   * The colour space to keep when reading a base `.v` back: a float base of 3+ bands (an RGB network output) is
   * `multiband`, and sharp would otherwise try (and fail) to convert it to sRGB on the way out.
   */
  function baseSpace(format: SampleFormat, bands: number): string | null {
    return keepSpace(format, bands) ?? (format === 'float' ? 'multiband' : null);
  }

  async function loadOverviewSamples(pyramid: PyramidState, kernel: 'nearest' | 'lanczos3'): Promise<OverviewSamples> {
    const { desc, dir } = pyramid.source;
    const file = path.join(dir, `overview-${pyramid.overviewLevel}-${kernel}.v`);
    if (existsSync(file)) {
      try {
        const raster = await RasterFile.open(file);
        try {
          const { widthPx, heightPx, bands } = raster.info;
          return { samples: await raster.readRegion(0, 0, widthPx, heightPx), width: widthPx, height: heightPx, bands };
        } finally {
          await raster.close();
        }
      } catch {
        // damaged or from another version: make it again
      }
    }
    const size = levelSize(desc.widthPx, desc.heightPx, pyramid.overviewLevel);
    const input = desc.format === 'uchar' && desc.kind === 'image' ? desc.absPath : (await ensureBase(pyramid.source)).file;
    let pipeline = sharp(input, SHARP_INPUT).resize(size.width, size.height, { fit: 'fill', kernel }).removeAlpha();
    const space = baseSpace(desc.format, desc.bands);
    if (space) pipeline = pipeline.toColourspace(space);
    const { data, info } = await pipeline.raw({ depth: desc.format }).toBuffer({ resolveWithObject: true });
    const samples = asSamples(data, desc.format);
    counters.overviewsBuilt++;
    await fs.mkdir(dir, { recursive: true });
    const header = vipsHeader({ widthPx: info.width, heightPx: info.height, bands: info.channels, format: desc.format });
    await writeAtomic(file, Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)])).catch(() => undefined);
    return { samples, width: info.width, height: info.height, bands: info.channels };
  }

  /** Display pixels of the overview level. */
  async function buildOverview(pyramid: PyramidState): Promise<LevelImage> {
    const settings = await pyramid.settings;
    // Averaging phase values across the ±π seam would invent colours; pick true samples for the cyclic overview.
    const kernel = settings.colormap === 'cyclic' ? 'nearest' : 'lanczos3';
    const { samples, width, height, bands } = await overviewSamples(pyramid, kernel);
    const pixels = mapToDisplay(samples, pyramid.source.desc.format, bands, width * height, settings);
    return { pixels, width, height, bands: displayBands(bands, settings.colormap) };
  }

  function levelImage(pyramid: PyramidState, level: number): Promise<LevelImage> {
    let image = pyramid.levels.get(level);
    if (!image) {
      image =
        level === pyramid.overviewLevel
          ? buildOverview(pyramid)
          : levelImage(pyramid, level + 1).then((above) => {
              const down = boxDownsample(above.pixels, above.width, above.height, above.bands, 2);
              return { ...down, bands: above.bands };
            });
      pyramid.levels.set(level, image);
      image.catch(() => pyramid.levels.delete(level));
    }
    return image;
  }

  /** What a tile is cut from: an in-memory level (overview, or thumbnail stand-in) or the base with the settings. */
  function tileInput(pyramid: PyramidState, level: number): Promise<LevelImage> | Promise<[RasterFile, DisplaySettings]> {
    if (level > pyramid.overviewLevel) return Promise.all([ensureBase(pyramid.source), pyramid.settings]);
    const { desc } = pyramid.source;
    const { width, height } = levelSize(desc.widthPx, desc.heightPx, level);
    const fromPreview = !pyramid.overviewReady && pyramid.preview !== null && Math.max(width, height) <= pyramid.preview.maxSidePx;
    return fromPreview ? previewLevel(pyramid, level) : levelImage(pyramid, level);
  }

  async function renderTile(
    pyramid: PyramidState,
    level: number,
    col: number,
    row: number,
    file: string,
    input: Promise<LevelImage> | Promise<[RasterFile, DisplaySettings]>,
  ): Promise<string> {
    const { desc } = pyramid.source;
    const size = levelSize(desc.widthPx, desc.heightPx, level);
    const rect = tileRect(size, col, row);
    let tile: Uint8Array;
    let bands: number;
    if (level <= pyramid.overviewLevel) {
      const image = (await input) as LevelImage;
      bands = image.bands;
      tile = new Uint8Array(rect.width * rect.height * bands);
      const rowBytes = rect.width * bands;
      for (let y = 0; y < rect.height; y++) {
        const from = ((rect.top + y) * image.width + rect.left) * bands;
        tile.set(image.pixels.subarray(from, from + rowBytes), y * rowBytes);
      }
    } else {
      const [raster, settings] = (await input) as [RasterFile, DisplaySettings];
      const factor = levelFactor(desc.widthPx, desc.heightPx, level);
      const left = rect.left * factor;
      const top = rect.top * factor;
      const width = Math.min(desc.widthPx, (rect.left + rect.width) * factor) - left;
      const height = Math.min(desc.heightPx, (rect.top + rect.height) * factor) - top;
      // libvips maps the .v file and copies the rectangle on its own threads: faster than row reads from here.
      const { format, bands: baseBands } = raster.info;
      let region = sharp(raster.file, SHARP_INPUT).extract({ left, top, width, height });
      const space = baseSpace(format, baseBands);
      if (space) region = region.toColourspace(space);
      const { data, info } = await region.raw({ depth: format }).toBuffer({ resolveWithObject: true });
      const display = mapToDisplay(asSamples(data, format), format, info.channels, width * height, settings);
      bands = displayBands(info.channels, settings.colormap);
      tile = boxDownsample(display, width, height, bands, factor).pixels;
    }
    let encoder = sharp(Buffer.from(tile.buffer, tile.byteOffset, tile.byteLength), {
      raw: { width: rect.width, height: rect.height, channels: bands as 1 | 3 },
    });
    if (bands === 1) encoder = encoder.toColourspace('b-w');
    const encoded =
      pyramid.format === 'jpeg'
        ? await encoder.jpeg({ quality: JPEG_QUALITY, chromaSubsampling: '4:4:4' }).toBuffer()
        : await encoder.png({ compressionLevel: 6 }).toBuffer();
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeAtomic(file, encoded);
    counters.tilesGenerated++;
    return file;
  }

  function maybePrune(): void {
    const now = Date.now();
    if (now - lastPruneMs < PRUNE_INTERVAL_MS) return;
    lastPruneMs = now;
    track(pruneCache().catch(() => undefined));
  }

  async function pruneCache(maxBytes = cacheMaxBytes): Promise<{ removedBytes: number; keptBytes: number }> {
    const pinned = new Set<string>();
    for (const key of pyramids.keys()) pinned.add(key);
    for (const key of sources.keys()) pinned.add(key);
    const result = await pruneTileCache(tilesDir, maxBytes, pinned);
    return result;
  }

  /** The thumbnail as a stand-in, only where it shows the same pixels: 8-bit files displayed as stored, overview not yet kept. */
  async function previewFor(source: SourceState, request: DisplayRequest, overviewLevel: number, previewRelPath: string | undefined): Promise<PyramidState['preview']> {
    const { desc } = source;
    const asStored = !request.window && (request.gamma ?? 1) === 1 && (request.colormap ?? 'grey') === 'grey';
    if (!previewRelPath || desc.format !== 'uchar' || desc.kind !== 'image' || !asStored) return null;
    if (existsSync(path.join(source.dir, `overview-${overviewLevel}-lanczos3.v`))) return null;
    try {
      const file = await resolveLibraryFile(libraryDir, previewRelPath);
      const meta = await sharp(file, SHARP_INPUT).metadata();
      const maxSidePx = Math.max(meta.width ?? 0, meta.height ?? 0);
      return maxSidePx > 0 ? { file, maxSidePx, levels: new Map() } : null;
    } catch {
      return null;
    }
  }

  function previewLevel(pyramid: PyramidState, level: number): Promise<LevelImage> {
    const preview = pyramid.preview as NonNullable<PyramidState['preview']>;
    let image = preview.levels.get(level);
    if (!image) {
      const { desc } = pyramid.source;
      const size = levelSize(desc.widthPx, desc.heightPx, level);
      const grey = desc.bands <= 2;
      image = sharp(preview.file, SHARP_INPUT)
        .resize(size.width, size.height, { fit: 'fill' })
        .removeAlpha()
        .toColourspace(grey ? 'b-w' : 'srgb')
        .raw()
        .toBuffer({ resolveWithObject: true })
        .then(({ data, info }) => ({ pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, bands: info.channels }));
      preview.levels.set(level, image);
      image.catch(() => preview.levels.delete(level));
    }
    return image;
  }

  async function createPyramid(key: string, displayKey: string, source: SourceState, request: DisplayRequest, opts: EnsureOptions | undefined): Promise<PyramidState> {
    const { desc } = source;
    const colormap = request.colormap ?? 'grey';
    const known = knownSettings(request, desc.format);
    const settings = known
      ? Promise.resolve(known)
      : ensureStats(source).then((stats) => resolveDisplay(request, desc.format, stats));
    const state: PyramidState = {
      key,
      dir: path.join(source.dir, displayKey),
      source,
      request,
      format: tileFormatFor(desc.bands, colormap),
      overviewLevel: overviewLevelFor(desc.widthPx, desc.heightPx),
      settings: track(settings),
      resolved: known,
      levels: new Map(),
      overviewReady: false,
      preview: null,
    };
    state.preview = await previewFor(source, request, state.overviewLevel, opts?.previewRelPath);
    settings.then(
      (s) => (state.resolved = s),
      () => undefined,
    );
    await fs.mkdir(state.dir, { recursive: true });
    // Both files follow from the key, so one already there is right; leaving it alone also spares a host that is
    // reading it a replace-while-open (which Windows refuses).
    const dziFile = path.join(state.dir, 'image.dzi');
    if (!existsSync(dziFile)) await writeAtomic(dziFile, dziXml(desc.widthPx, desc.heightPx, state.format));
    const displayFile = path.join(state.dir, 'display.json');
    if (existsSync(displayFile)) await touch(displayFile);
    else await writeAtomic(displayFile, JSON.stringify({ sourceRelPath: desc.relPath, sourceSha256: source.sha256 ?? null, request }));
    // Start the overview now, so the first tile requests find it under way.
    track(
      levelImage(state, state.overviewLevel)
        .then(() => {
          state.overviewReady = true;
          state.preview = null;
        })
        .catch(() => undefined),
    );
    return state;
  }

  async function ensurePyramid(sourceRelPath: string, display?: DisplayRequest, opts?: EnsureOptions, startBase = true): Promise<PyramidInfo> {
    if (closed) throw new AppError('internal', 'The pyramid service is closed.');
    const request = normaliseRequest(display);
    const source = await openSource(sourceRelPath, opts);
    const { desc } = source;
    const displayKey = hash16(JSON.stringify({ v: RENDER_VERSION, w: request.window ?? 'auto', g: request.gamma ?? 1, c: request.colormap ?? 'grey' }));
    const key = `${source.sourceKey}/${displayKey}`;
    let pyramid = pyramids.get(key);
    if (pyramid) {
      await touch(path.join(pyramid.dir, 'display.json'));
    } else {
      let opening = pyramidsOpening.get(key);
      if (!opening) {
        opening = createPyramid(key, displayKey, source, request, opts);
        pyramidsOpening.set(key, opening);
        const done = () => pyramidsOpening.delete(key);
        opening.then(done, done);
      }
      pyramid = await opening;
    }
    remember(pyramids, key, pyramid, MAX_OPEN_PYRAMIDS);
    if (startBase && !source.base) {
      // Zooming in past the overview needs the base; build it in the background, after the overview.
      const opened = pyramid;
      track(levelImage(opened, opened.overviewLevel).then(() => ensureBase(source)).catch(() => undefined));
    }
    await touch(path.join(source.dir, 'source.json'));
    maybePrune();
    return {
      key,
      dziUrl: `${LIBRARY_URL_PREFIX}tiles/${key}/image.dzi`,
      width: desc.widthPx,
      height: desc.heightPx,
      tileSize: TILE_SIZE_PX,
      overlap: TILE_OVERLAP_PX,
      format: pyramid.format,
      levels: levelCount(desc.widthPx, desc.heightPx),
      sampleFormat: desc.format,
      bands: desc.bands,
      display: pyramid.resolved,
    };
  }

  /** An open pyramid by key, reopened from its `display.json` after a restart (only if the source is unchanged). */
  async function pyramidFor(key: string): Promise<PyramidState> {
    const [sourceKey, displayKey] = key.split('/');
    if (!KEY_RE.test(sourceKey ?? '') || !KEY_RE.test(displayKey ?? '') || key.split('/').length !== 2) {
      throw new AppError('invalid-input', 'That is not a pyramid key.');
    }
    const open = pyramids.get(key);
    if (open) return open;
    let saved: { sourceRelPath?: unknown; sourceSha256?: unknown; request?: unknown };
    try {
      saved = JSON.parse(await fs.readFile(path.join(tilesDir, sourceKey, displayKey, 'display.json'), 'utf8'));
    } catch {
      throw new AppError('not-found', 'That pyramid is not open.');
    }
    if (typeof saved.sourceRelPath !== 'string') throw new AppError('not-found', 'That pyramid is not open.');
    const info = await ensurePyramid(saved.sourceRelPath, (saved.request ?? {}) as DisplayRequest, {
      sourceSha256: typeof saved.sourceSha256 === 'string' ? saved.sourceSha256 : undefined,
    });
    const reopened = pyramids.get(info.key);
    if (info.key !== key || !reopened) throw new AppError('not-found', 'The source of that pyramid has changed since it was made.');
    return reopened;
  }

  async function tileFile(key: string, level: number, col: number, row: number, opts?: { signal?: AbortSignal }): Promise<string> {
    const pyramid = await pyramidFor(key);
    const { desc } = pyramid.source;
    if (!isTileInRange(desc.widthPx, desc.heightPx, level, col, row)) {
      throw new AppError('not-found', `There is no tile ${level}/${col}_${row} in this image.`);
    }
    const file = path.join(pyramid.dir, 'image_files', String(level), `${col}_${row}.${pyramid.format}`);
    if (existsSync(file)) return file;
    // Wait for the overview or the base before taking a slot: a tile that cannot start yet must not hold one
    // while tiles that can (thumbnail levels, another image's) queue behind it.
    const input = tileInput(pyramid, level);
    await whenReady(input, opts?.signal);
    return scheduler.schedule(file, async () => (existsSync(file) ? file : renderTile(pyramid, level, col, row, file, input)), opts?.signal);
  }

  return {
    ensurePyramid: (sourceRelPath, display, opts) => ensurePyramid(sourceRelPath, display, opts),
    async prepare(sourceRelPath, display, opts) {
      const info = await ensurePyramid(sourceRelPath, display, opts, false);
      const pyramid = await pyramidFor(info.key);
      await levelImage(pyramid, pyramid.overviewLevel);
      return { ...info, display: pyramid.resolved };
    },
    tileFile,
    async tileFileForRequest(relPath, opts) {
      const match = TILE_PATH_RE.exec(relPath);
      if (!match) return null;
      const [, sourceKey, displayKey, level, col, row, ext] = match;
      const key = `${sourceKey}/${displayKey}`;
      const pyramid = await pyramidFor(key).catch(() => null);
      if (!pyramid || pyramid.format !== ext) return null;
      return tileFile(key, Number(level), Number(col), Number(row), opts);
    },
    async displaySettings(key) {
      return (await pyramidFor(key)).settings;
    },
    async pixelValue(sourceRelPath, xPx, yPx, opts) {
      const source = await openSource(sourceRelPath, opts);
      const { widthPx, heightPx } = source.desc;
      if (!Number.isInteger(xPx) || !Number.isInteger(yPx) || xPx < 0 || yPx < 0 || xPx >= widthPx || yPx >= heightPx) {
        throw new AppError('invalid-input', `Pixel (${xPx}, ${yPx}) is outside the ${widthPx} × ${heightPx} image.`);
      }
      const raster = await ensureBase(source);
      return raster.readPixel(xPx, yPx);
    },
    pruneCache,
    stats() {
      return { ...scheduler.stats(), ...counters };
    },
    async idle() {
      while (background.size > 0) await Promise.allSettled([...background]);
      await scheduler.idle();
    },
    async close() {
      closed = true;
      await Promise.allSettled([...background]);
      await scheduler.idle();
      const bases = [...sources.values()].map((s) => s.base).filter((b): b is Promise<RasterFile> => b !== null);
      sources.clear();
      pyramids.clear();
      await Promise.allSettled(bases.map((b) => b.then((r) => r.close())));
    },
  };
}

/** Waits for `promise` unless the caller withdraws first (then TileCancelledError); its failure passes through. */
function whenReady(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise.then(() => undefined);
  if (signal.aborted) return Promise.reject(new TileCancelledError());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new TileCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function asSamples(data: Buffer, format: SampleFormat): Samples {
  // sharp hands back a Buffer that may sit at any offset of a shared pool; typed views need aligned memory.
  if (format === 'uchar') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return format === 'ushort' ? new Uint16Array(copy.buffer) : new Float32Array(copy.buffer);
}
