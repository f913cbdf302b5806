/**
 * What the pyramid needs to know about a source file, and how its random-access copy (`base.v`) is made. Sources
 * are library files: captures (PNG, JPEG, TIFF; 8 or 16 bit; grey or RGB) and derivatives (float32 TIFF, or a
 * raw little-endian `.f32` file with a JSON sidecar `{width, height, channels, dtype: 'float32'}`, or the
 * inference engine's `{widthPx, heightPx, channels, dtype: 'float32', layout: 'HWC'}` as `<name>.f32.json`).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../../shared/errors';
import type { SampleFormat } from './display';
import { VIPS_HEADER_BYTES, vipsHeader } from './raster';

/** Whole-slide tiles and stitched mosaics pass libvips' default 268-megapixel guard; we stream them instead. */
export const SHARP_INPUT = { limitInputPixels: false, failOn: 'error' } as const;

export interface SourceDescriptor {
  relPath: string;
  absPath: string;
  kind: 'image' | 'raw-f32';
  widthPx: number;
  heightPx: number;
  bands: number;
  format: SampleFormat;
  sizeBytes: number;
  mtimeMs: number;
}

const RAW_SIDECAR_MAX_BYTES = 64 * 1024;

/**
 * Resolves a library-relative path to a file inside the library, refusing anything that would leave it (`..`,
 * absolute paths, symlinks pointing out) and the pyramid's own cache.
 */
export async function resolveLibraryFile(libraryDir: string, relPath: string): Promise<string> {
  const refuse = () => new AppError('invalid-input', `"${relPath}" is not a path inside the library.`);
  if (typeof relPath !== 'string' || relPath === '' || relPath.includes('\0') || relPath.includes('\\')) throw refuse();
  if (path.posix.isAbsolute(relPath) || path.win32.isAbsolute(relPath)) throw refuse();
  const normal = path.posix.normalize(relPath);
  if (normal.startsWith('../') || normal === '..' || normal.startsWith('tiles/')) throw refuse();
  const root = path.resolve(libraryDir);
  const candidate = path.resolve(root, normal);
  if (!candidate.startsWith(root + path.sep)) throw refuse();
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch {
    throw new AppError('not-found', `${relPath} is not in the library.`);
  }
  const realRoot = await fs.realpath(root);
  if (!real.startsWith(realRoot + path.sep)) throw refuse();
  return real;
}

function formatOf(depth: string | undefined): SampleFormat {
  if (depth === 'uchar' || depth === 'char' || depth === undefined) return 'uchar';
  if (depth === 'ushort' || depth === 'short') return 'ushort';
  // 32-bit integers and doubles are shown (and read out) as float32; our own results are float32 already.
  return 'float';
}

async function readRawSidecar(absPath: string, relPath: string): Promise<{ widthPx: number; heightPx: number; bands: number }> {
  const stem = absPath.slice(0, -path.extname(absPath).length);
  for (const candidate of [stem + '.json', absPath + '.json']) {
    let text: string;
    try {
      const stat = await fs.stat(candidate);
      if (stat.size > RAW_SIDECAR_MAX_BYTES) continue;
      text = await fs.readFile(candidate, 'utf8');
    } catch {
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AppError('unreadable-image', `The header of ${relPath} is not valid JSON.`);
    }
    // `width`/`height`, or the inference engine's `lucida-raw` header (`widthPx`/`heightPx`, HWC).
    const h = parsed as { width?: unknown; height?: unknown; widthPx?: unknown; heightPx?: unknown; channels?: unknown; dtype?: unknown; layout?: unknown };
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 1_000_000;
    const width = h.width ?? h.widthPx;
    const height = h.height ?? h.heightPx;
    const channels = h.channels ?? 1;
    if (!ok(width) || !ok(height) || !ok(channels) || channels > 4 || h.dtype !== 'float32' || (h.layout !== undefined && h.layout !== 'HWC')) {
      throw new AppError('unreadable-image', `The header of ${relPath} needs integer width, height, channels (1–4), dtype "float32" and interleaved (HWC) samples.`);
    }
    return { widthPx: width, heightPx: height, bands: channels };
  }
  throw new AppError('unreadable-image', `${relPath} has no JSON header (${path.basename(stem)}.json) giving its size.`);
}

export interface LocatedSource {
  relPath: string;
  absPath: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** Where a source is and which version of it (size and time): enough for a cache key, without reading it. */
export async function locateSource(libraryDir: string, relPath: string): Promise<LocatedSource> {
  const absPath = await resolveLibraryFile(libraryDir, relPath);
  const stat = await fs.stat(absPath);
  if (!stat.isFile()) throw new AppError('not-found', `${relPath} is not a file.`);
  return { relPath, absPath, sizeBytes: stat.size, mtimeMs: stat.mtimeMs };
}

export async function describeSource(located: LocatedSource): Promise<SourceDescriptor> {
  const { relPath, absPath } = located;
  const common = { ...located };
  if (path.extname(absPath).toLowerCase() === '.f32') {
    const dims = await readRawSidecar(absPath, relPath);
    if (located.sizeBytes < dims.widthPx * dims.heightPx * dims.bands * 4) {
      throw new AppError('unreadable-image', `${relPath} is shorter than its header says (the file is truncated).`);
    }
    return { ...common, kind: 'raw-f32', ...dims, format: 'float' };
  }
  let meta: Metadata;
  try {
    meta = await sharp(absPath, SHARP_INPUT).metadata();
  } catch {
    throw new AppError('unreadable-image', `${relPath} is not a readable image.`);
  }
  if (!meta.width || !meta.height) throw new AppError('unreadable-image', `${relPath} has no pixels.`);
  return { ...common, kind: 'image', widthPx: meta.width, heightPx: meta.height, bands: meta.channels ?? 1, format: formatOf(meta.depth) };
}

/** The colour space sharp should keep so it neither converts grey to RGB nor 16 bits to 8 on the way out. */
export function keepSpace(format: SampleFormat, bands: number): 'b-w' | 'srgb' | 'grey16' | 'rgb16' | null {
  const grey = bands <= 2;
  if (format === 'uchar') return grey ? 'b-w' : 'srgb';
  if (format === 'ushort') return grey ? 'grey16' : 'rgb16';
  return grey ? 'b-w' : null;
}

const FLOAT_BAND_BYTES = 32 * 1024 * 1024;

/**
 * Writes the source's pixels, at their own depth, as an uncompressed `.v` file (atomically: temp name, then
 * rename). 8- and 16-bit images stream through libvips in one pass; float TIFFs go through in horizontal bands
 * (sharp writes float only as raw); a raw `.f32` gets a header and a straight copy.
 */
export async function writeBase(source: SourceDescriptor, targetFile: string): Promise<void> {
  const temp = `${targetFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp.v`;
  try {
    if (source.kind === 'raw-f32') {
      await fs.writeFile(temp, vipsHeader({ widthPx: source.widthPx, heightPx: source.heightPx, bands: source.bands, format: 'float' }));
      const dataBytes = source.widthPx * source.heightPx * source.bands * 4;
      await pipeline(createReadStream(source.absPath, { start: 0, end: dataBytes - 1 }), createWriteStream(temp, { flags: 'a' }));
    } else if (source.format === 'float') {
      await writeFloatBase(source, temp);
    } else {
      const space = keepSpace(source.format, source.bands) as string;
      await sharp(source.absPath, { ...SHARP_INPUT, sequentialRead: true }).toColourspace(space).toFile(temp);
    }
    await fs.rename(temp, targetFile);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

async function writeFloatBase(source: SourceDescriptor, temp: string): Promise<void> {
  const { widthPx, heightPx } = source;
  const handle = await fs.open(temp, 'w');
  try {
    let bands = 0;
    let position = VIPS_HEADER_BYTES;
    const rowsPerBand = Math.max(1, Math.floor(FLOAT_BAND_BYTES / (widthPx * source.bands * 4)));
    for (let top = 0; top < heightPx; top += rowsPerBand) {
      const height = Math.min(rowsPerBand, heightPx - top);
      let band = sharp(source.absPath, SHARP_INPUT).extract({ left: 0, top, width: widthPx, height });
      const space = keepSpace('float', source.bands);
      if (space) band = band.toColourspace(space);
      const { data, info } = await band.raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
      bands = info.channels;
      await handle.write(data, 0, data.length, position);
      position += data.length;
    }
    await handle.write(vipsHeader({ widthPx, heightPx, bands, format: 'float' }), 0, VIPS_HEADER_BYTES, 0);
  } finally {
    await handle.close();
  }
}
