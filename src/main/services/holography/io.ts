/**
 * Pixels in and out of the library for holography: a capture decoded to intensity (full bit depth), float32
 * results written as one-band TIFFs under `derived/` (what the pyramid service renders and the viewer reads out),
 * and simulated holograms written as 16-bit PNG captures — always file first (temp, fsync, rename), row after.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import { commitFile, fsyncDir, tempPathFor, unlinkQuietly, writeDurably } from '../library/files';
import { float32TiffHeader } from '../viewer/float-tiff';
import { colourChannels, colourHologramMessage } from './params';

const SHARP_INPUT = { limitInputPixels: false, failOn: 'error' } as const;

/** Library-relative path → absolute (the caller got it from the catalog, so it is a library path). */
export const absPath = (libraryDir: string, rel: string): string => path.join(libraryDir, ...rel.split('/'));

/**
 * The capture's intensity as float64, in its own counts (8-, 16-bit or float), one grey band. A colour file is
 * refused (AppError invalid-input naming the file): a hologram is one mono sensor plane, and a colour image mixes
 * wavelengths (and, from a Bayer sensor, interpolated pixels) that no propagation at one λ describes.
 */
export async function readHologram(file: string, name: string): Promise<{ data: Float64Array; widthPx: number; heightPx: number }> {
  try {
    const meta = await sharp(file, SHARP_INPUT).metadata();
    const channels = meta.channels ?? 1;
    if (colourChannels(channels, meta.hasAlpha === true) > 1) throw new AppError('invalid-input', colourHologramMessage(name, channels));
    const depth = meta.depth ?? 'uchar';
    const base = sharp(file, SHARP_INPUT).removeAlpha();
    if (depth === 'float' || depth === 'double') {
      const { data, info } = await base.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      const samples = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
      return { data: Float64Array.from(samples), widthPx: info.width, heightPx: info.height };
    }
    const sixteen = depth === 'ushort' || depth === 'short';
    const { data, info } = await base
      .toColourspace(sixteen ? 'grey16' : 'b-w')
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const n = info.width * info.height;
    const out = new Float64Array(n);
    const stride = samples.length / n;
    for (let i = 0; i < n; i++) out[i] = samples[i * stride];
    return { data: out, widthPx: info.width, heightPx: info.height };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('unreadable-image', `The hologram ${name} could not be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`);
  }
}

/**
 * Writes float32 samples as an uncompressed one-band TIFF at `derived/c<capture>/<name>` (temp, fsync, rename,
 * fsync dir) and returns the library-relative path.
 */
export async function writeFloatTiff(libraryDir: string, captureId: number, name: string, widthPx: number, heightPx: number, data: Float32Array): Promise<string> {
  const rel = `derived/c${captureId}/${name}`;
  const target = absPath(libraryDir, rel);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    await writeDurably(temp, Buffer.concat([float32TiffHeader(widthPx, heightPx), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
    await commitFile(temp, target);
    await fsyncDir(path.dirname(target));
  } catch (error) {
    await unlinkQuietly(temp);
    throw error;
  }
  return rel;
}

/** Background counts of a simulated 16-bit hologram: interference fringes reach ≈ 4× the background before clipping. */
export const SIMULATED_BACKGROUND_COUNTS = 16_000;

export async function hologramPng(intensity: Float64Array, widthPx: number, heightPx: number): Promise<Buffer> {
  const counts = new Uint16Array(widthPx * heightPx);
  for (let i = 0; i < counts.length; i++) counts[i] = Math.max(0, Math.min(65535, Math.round(intensity[i] * SIMULATED_BACKGROUND_COUNTS)));
  return sharp(counts, { raw: { width: widthPx, height: heightPx, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

/** A temp file in the library's staging folder (same volume as the library, so the import's rename is cheap). */
export async function stageFile(libraryDir: string, data: Buffer, name: string): Promise<string> {
  const dir = path.join(libraryDir, '.staging');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}-${name}`);
  await writeDurably(file, data);
  return file;
}
