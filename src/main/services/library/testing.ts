/** Test support: temp folders and real images made with sharp. Not imported by production code. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export function tempDir(prefix = 'lucida-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A gradient so every pixel differs (a flat image would hide channel or depth mix-ups). */
export async function pngRgb8(width = 64, height = 48): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = i % 256;
    data[i * 3 + 1] = (i * 7) % 256;
    data[i * 3 + 2] = (i * 13) % 256;
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** 12-bit camera values in a 16-bit container, as a microscope camera writes them. */
function grey16(width: number, height: number): Uint16Array {
  const data = new Uint16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 4096;
  return data;
}

export async function pngGrey16(width = 70, height = 50): Promise<Buffer> {
  return sharp(grey16(width, height), { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

export async function tiffGrey16(width = 80, height = 60): Promise<Buffer> {
  // LZW, not sharp's default JPEG compression, which would quietly make it 8-bit.
  return sharp(grey16(width, height), { raw: { width, height, channels: 1 } })
    .toColourspace('grey16')
    .tiff({ compression: 'lzw' })
    .toBuffer();
}

export async function jpegRgb(width = 90, height = 40): Promise<Buffer> {
  return sharp(await pngRgb8(width, height)).jpeg({ quality: 90 }).toBuffer();
}

/** A PNG whose tail is cut off, as an interrupted copy leaves it. Big enough that the header still parses. */
export async function truncatedPng(): Promise<Buffer> {
  const full = await sharp(await pngRgb8(400, 300)).png({ compressionLevel: 0 }).toBuffer();
  return full.subarray(0, Math.floor(full.length / 2));
}

export function write(dir: string, name: string, data: Buffer | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

/** Every file below a folder, relative, sorted — to assert "nothing stray was left". */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * A one-strip, uncompressed, little-endian float32 greyscale TIFF written by hand: sharp cannot be asked to
 * write float TIFFs, and phase or quantitative images arrive in exactly this shape.
 */
export function tiffFloat32(width = 40, height = 30): Buffer {
  const entries: Array<[tag: number, type: 3 | 4, value: number]> = [];
  const dataBytes = width * height * 4;
  const ifdOffset = 8;
  const entryCount = 10;
  const dataOffset = ifdOffset + 2 + entryCount * 12 + 4;
  entries.push([256, 4, width], [257, 4, height], [258, 3, 32], [259, 3, 1], [262, 3, 1]);
  entries.push([273, 4, dataOffset], [277, 3, 1], [278, 4, height], [279, 4, dataBytes], [339, 3, 3]);
  const out = Buffer.alloc(dataOffset + dataBytes);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdOffset, 4);
  out.writeUInt16LE(entryCount, ifdOffset);
  entries.forEach(([tag, type, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(1, at + 4);
    if (type === 3) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(value, at + 8);
  });
  for (let i = 0; i < width * height; i++) out.writeFloatLE(Math.sin(i / 25) * Math.PI, dataOffset + i * 4);
  return out;
}
