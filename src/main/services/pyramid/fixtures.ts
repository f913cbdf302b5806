/**
 * Test images for the pyramid tests, written with sharp (and, for float32, a minimal TIFF writer — sharp writes
 * float only as raw). Kept beside the tests; nothing in the app imports it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { float32TiffHeader } from '../viewer/float-tiff';

export async function makeLibrary(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lucida-pyramid-'));
  await fs.mkdir(path.join(dir, 'images'));
  await fs.mkdir(path.join(dir, 'derived'));
  return dir;
}

/** A smooth but non-trivial 8-bit pattern: gradients plus a low-frequency wave, so resampling differences stay small. */
export function pattern8(widthPx: number, heightPx: number, bands: number): Uint8Array {
  const data = new Uint8Array(widthPx * heightPx * bands);
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const i = (y * widthPx + x) * bands;
      const wave = 40 * Math.sin(x / 37) * Math.cos(y / 53);
      data[i] = Math.max(0, Math.min(255, Math.round((x * 200) / widthPx + 20 + wave)));
      if (bands >= 3) {
        data[i + 1] = Math.round((y * 255) / heightPx);
        data[i + 2] = Math.round(128 + 100 * Math.sin((x + y) / 91));
      }
    }
  }
  return data;
}

export async function writePng8(file: string, widthPx: number, heightPx: number, bands: 1 | 3): Promise<Uint8Array> {
  const data = pattern8(widthPx, heightPx, bands);
  let image = sharp(data, { raw: { width: widthPx, height: heightPx, channels: bands } });
  if (bands === 1) image = image.toColourspace('b-w');
  await image.png({ compressionLevel: 1 }).toFile(file);
  return data;
}

export async function writePng16(file: string, widthPx: number, heightPx: number, values: Uint16Array): Promise<void> {
  await sharp(values, { raw: { width: widthPx, height: heightPx, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 1 }).toFile(file);
}

/** An uncompressed, single-strip, one-band IEEE float32 little-endian TIFF. */
export async function writeFloatTiff(file: string, widthPx: number, heightPx: number, values: Float32Array): Promise<void> {
  await fs.writeFile(file, Buffer.concat([float32TiffHeader(widthPx, heightPx), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

export async function writeRawF32(file: string, widthPx: number, heightPx: number, values: Float32Array): Promise<void> {
  await fs.writeFile(file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  await fs.writeFile(file.replace(/\.f32$/, '.json'), JSON.stringify({ width: widthPx, height: heightPx, channels: 1, dtype: 'float32' }));
}

export async function decodeRaw(file: string): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const meta = await sharp(file).metadata();
  let image = sharp(file);
  if ((meta.channels ?? 3) < 3) image = image.toColourspace('b-w');
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}
