/**
 * Pixels in and out of the tiled engine, a band of rows at a time, so memory stays bounded by the tile size
 * and the image width, never the image area. Everything is interleaved (HWC) in the image's own units;
 * normalisation happens when tiles are cut.
 */
import { open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import sharp from 'sharp';
import type { Normalisation } from './manifest';

export type SampleType = 'uint8' | 'uint16' | 'float32';
const BYTES: Record<SampleType, number> = { uint8: 1, uint16: 2, float32: 4 };

export interface RasterSource {
  widthPx: number;
  heightPx: number;
  channels: number;
  /** Rows [y0, y1) as float32, HWC. */
  readRows(y0: number, y1: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface RasterSink {
  /** Called with consecutive bands of final output rows, top to bottom, HWC float32. */
  writeRows(y0: number, rows: Float32Array): Promise<void>;
  /** Called once after the last row; `ok` false means the run failed or was cancelled. */
  finish(ok: boolean): Promise<void>;
}

function toFloat(bytes: Uint8Array, type: SampleType): Float32Array {
  const aligned = bytes.byteOffset % BYTES[type] === 0 ? bytes : bytes.slice();
  if (type === 'float32') return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4).slice();
  if (type === 'uint16') return Float32Array.from(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2));
  return Float32Array.from(aligned);
}

export function memorySource(data: Float32Array | Uint16Array | Uint8Array, widthPx: number, heightPx: number, channels: number): RasterSource {
  if (data.length !== widthPx * heightPx * channels) throw new Error(`The image buffer holds ${data.length} samples; ${widthPx}×${heightPx}×${channels} needs ${widthPx * heightPx * channels}.`);
  return {
    widthPx,
    heightPx,
    channels,
    readRows: async (y0, y1) => Float32Array.from(data.subarray(y0 * widthPx * channels, y1 * widthPx * channels)),
    close: async () => {},
  };
}

/** A headerless interleaved file (what `decodeToRaw` writes, or a capture stored raw), read at offsets. */
export async function rawFileSource(file: string, widthPx: number, heightPx: number, channels: number, sampleType: SampleType, byteOffset = 0): Promise<RasterSource> {
  const handle: FileHandle = await open(file, 'r');
  const { size } = await handle.stat();
  const rowBytes = widthPx * channels * BYTES[sampleType];
  if (size < byteOffset + rowBytes * heightPx) {
    await handle.close();
    throw new Error(`${file} is truncated: ${widthPx}×${heightPx}×${channels} ${sampleType} needs ${rowBytes * heightPx} bytes, it has ${size - byteOffset}.`);
  }
  return {
    widthPx,
    heightPx,
    channels,
    readRows: async (y0, y1) => {
      const buf = new Uint8Array((y1 - y0) * rowBytes);
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await handle.read(buf, done, buf.length - done, byteOffset + y0 * rowBytes + done);
        if (bytesRead === 0) throw new Error(`${file} ended early.`);
        done += bytesRead;
      }
      return toFloat(buf, sampleType);
    },
    close: () => handle.close(),
  };
}

export interface DecodedImage {
  file: string;
  widthPx: number;
  heightPx: number;
  channels: number;
  sampleType: SampleType;
  /** Where the pixels start in `file`. */
  byteOffset: number;
}

const VIPS_MAGIC_LE = 0x08f2a6b6;
const VIPS_HEADER_BYTES = 64;

/**
 * Decodes any image sharp reads into an uncompressed file with the channel count the model wants, so a
 * whole-slide image never sits decoded in memory. The file is libvips' own format (`.v`): a 64-byte header,
 * then the pixels interleaved, exactly what `rawFileSource` reads at offsets. libvips writes it from a
 * sequential pipeline with bounded memory — unlike a sharp output *stream*, which does not wait for a slow
 * consumer and so buffers the whole image when the disk is slower than the decoder. 16-bit images stay 16-bit.
 */
export async function decodeToRaw(input: string, vipsFile: string, channels: number): Promise<DecodedImage> {
  if (!vipsFile.endsWith('.v')) throw new Error('The decoded copy must have the .v extension (libvips format).');
  const meta = await sharp(input, { limitInputPixels: false }).metadata().catch((error: unknown) => {
    throw new Error(`${input} could not be read as an image (${error instanceof Error ? error.message : String(error)}).`);
  });
  if (!meta.width || !meta.height) throw new Error(`${input} has no pixel dimensions.`);
  if (channels !== 1 && channels !== 3) throw new Error(`An image file can feed a 1- or 3-channel model; this model takes ${channels} channels, so give it a raw input.`);
  const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
  const colourspace = channels === 3 ? (sixteen ? 'rgb16' : 'srgb') : sixteen ? 'grey16' : 'b-w';
  try {
    await sharp(input, { limitInputPixels: false, sequentialRead: true }).removeAlpha().toColourspace(colourspace).toFile(vipsFile);
  } catch (error) {
    throw new Error(`${input} could not be decoded (${error instanceof Error ? error.message : String(error)}); the file may be truncated.`, { cause: error });
  }
  const handle = await open(vipsFile, 'r');
  const header = new Uint8Array(VIPS_HEADER_BYTES);
  try {
    await handle.read(header, 0, VIPS_HEADER_BYTES, 0);
  } finally {
    await handle.close();
  }
  const view = new DataView(header.buffer);
  const bandFormat = view.getInt32(20, true);
  const sampleType: SampleType | null = bandFormat === 0 ? 'uint8' : bandFormat === 2 ? 'uint16' : null;
  if (view.getUint32(0, true) !== VIPS_MAGIC_LE || view.getInt32(24, true) !== 0 || sampleType === null) {
    throw new Error(`${input} decoded to an unexpected pixel format (libvips band format ${bandFormat}).`);
  }
  return { file: vipsFile, widthPx: view.getInt32(4, true), heightPx: view.getInt32(8, true), channels: view.getInt32(12, true), sampleType, byteOffset: VIPS_HEADER_BYTES };
}

export interface RawOutputFields {
  widthPx: number;
  heightPx: number;
  channels: number;
  channelNames: string[];
  provenance?: unknown;
}
export interface RawOutputHeader extends RawOutputFields {
  format: 'lucida-raw';
  dtype: 'float32';
  layout: 'HWC';
  byteOrder: 'little';
}

/**
 * The output format: `<path>` holds little-endian float32 HWC samples, full precision, and `<path>.json` a
 * small header. Written to `<path>.part` and renamed when complete, so a crash leaves no half-file behind
 * under the real name.
 */
export async function rawFileSink(file: string, header: RawOutputFields): Promise<RasterSink & { header: RawOutputHeader }> {
  const part = `${file}.part`;
  const handle = await open(part, 'w');
  const full: RawOutputHeader = { format: 'lucida-raw', dtype: 'float32', layout: 'HWC', byteOrder: 'little', ...header };
  const rowBytes = header.widthPx * header.channels * 4;
  return {
    header: full,
    writeRows: async (y0, rows) => {
      await handle.write(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength), 0, rows.byteLength, y0 * rowBytes);
    },
    finish: async (ok) => {
      if (ok) await handle.sync();
      await handle.close();
      if (!ok) {
        await rm(part, { force: true });
        return;
      }
      await writeFile(`${file}.json`, `${JSON.stringify(full, null, 2)}\n`);
      await rename(part, file);
    },
  };
}

export function memorySink(widthPx: number, heightPx: number, channels: number): RasterSink & { data: Float32Array } {
  const data = new Float32Array(widthPx * heightPx * channels);
  return {
    data,
    writeRows: async (y0, rows) => data.set(rows, y0 * widthPx * channels),
    finish: async () => {},
  };
}

/** Per-channel affine normalisation: model value = (sample − offset) / divisor. */
export interface ChannelNormalisation {
  offset: number[];
  divisor: number[];
}

const STATS_BAND_ROWS = 256;

/**
 * Statistics for per-image normalisation, computed once over the whole image in bands (never per tile: tiles
 * normalised by their own statistics would not match each other at the seams).
 */
export async function normalisationFor(source: RasterSource, spec: Normalisation): Promise<ChannelNormalisation> {
  const c = source.channels;
  if (spec.kind === 'none') return { offset: Array(c).fill(0), divisor: Array(c).fill(1) };
  if (spec.kind === 'scale') return { offset: Array(c).fill(0), divisor: Array(c).fill(spec.divisor) };
  const bands = async (each: (rows: Float32Array) => void) => {
    for (let y = 0; y < source.heightPx; y += STATS_BAND_ROWS) each(await source.readRows(y, Math.min(source.heightPx, y + STATS_BAND_ROWS)));
  };
  if (spec.kind === 'mean-std') {
    const sum = new Float64Array(c);
    const sq = new Float64Array(c);
    await bands((rows) => {
      for (let i = 0; i < rows.length; i++) {
        sum[i % c] += rows[i];
        sq[i % c] += rows[i] * rows[i];
      }
    });
    const n = source.widthPx * source.heightPx;
    const mean = [...sum].map((s) => s / n);
    const std = [...sq].map((s, k) => Math.sqrt(Math.max(0, s / n - mean[k] * mean[k])));
    return { offset: mean, divisor: std.map((s) => (s > 1e-12 ? s : 1)) };
  }
  // Percentiles: min/max pass, then a fine histogram pass (bounded memory for any image size).
  const lo = new Float64Array(c).fill(Infinity);
  const hi = new Float64Array(c).fill(-Infinity);
  await bands((rows) => {
    for (let i = 0; i < rows.length; i++) {
      const k = i % c;
      if (rows[i] < lo[k]) lo[k] = rows[i];
      if (rows[i] > hi[k]) hi[k] = rows[i];
    }
  });
  const BINS = 65536;
  const hist = Array.from({ length: c }, () => new Float64Array(BINS));
  await bands((rows) => {
    for (let i = 0; i < rows.length; i++) {
      const k = i % c;
      const span = hi[k] - lo[k];
      const b = span > 0 ? Math.min(BINS - 1, Math.floor(((rows[i] - lo[k]) / span) * BINS)) : 0;
      hist[k][b]++;
    }
  });
  const n = source.widthPx * source.heightPx;
  const percentile = (k: number, p: number) => {
    const target = (p / 100) * n;
    let acc = 0;
    for (let b = 0; b < BINS; b++) {
      acc += hist[k][b];
      if (acc >= target) return lo[k] + ((b + 0.5) / BINS) * (hi[k] - lo[k]);
    }
    return hi[k];
  };
  const offset: number[] = [];
  const divisor: number[] = [];
  for (let k = 0; k < c; k++) {
    const pLo = percentile(k, spec.lowPercentile);
    const pHi = percentile(k, spec.highPercentile);
    offset.push(pLo);
    divisor.push(pHi - pLo > 1e-12 ? pHi - pLo : 1);
  }
  return { offset, divisor };
}
