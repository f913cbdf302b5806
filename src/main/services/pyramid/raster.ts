/**
 * The pyramid's random-access copy of a source: a libvips `.v` file, which is a 64-byte header followed by the
 * pixels uncompressed, row after row, bands interleaved, little-endian. libvips writes and maps it without a
 * decoder, and we read any rectangle or single pixel by file offset, so memory stays bounded for any image size
 * and a readout costs one small read.
 */
import fs from 'node:fs/promises';
import type { SampleFormat, Samples } from './display';

export const VIPS_HEADER_BYTES = 64;
/** "Intel" byte order magic as libvips writes it on little-endian machines. */
const VIPS_MAGIC_LE = 0xb6a6f208;
const BAND_FORMAT_CODE: Record<SampleFormat, number> = { uchar: 0, ushort: 2, float: 6 };
const BYTES: Record<SampleFormat, number> = { uchar: 1, ushort: 2, float: 4 };
// libvips interpretation codes: multiband, b-w, sRGB, rgb16, grey16.
const INTERPRETATION = { multiband: 0, bw: 1, srgb: 22, rgb16: 25, grey16: 26 };

export interface RasterInfo {
  widthPx: number;
  heightPx: number;
  bands: number;
  format: SampleFormat;
}

export const bytesPerSample = (format: SampleFormat): number => BYTES[format];

export function newSamples(format: SampleFormat, length: number): Samples {
  return format === 'uchar' ? new Uint8Array(length) : format === 'ushort' ? new Uint16Array(length) : new Float32Array(length);
}

/** A header libvips accepts for pixels we write ourselves (float data, which sharp can only write as 8-bit). */
export function vipsHeader(info: RasterInfo): Buffer {
  const header = Buffer.alloc(VIPS_HEADER_BYTES);
  header.writeUInt32BE(VIPS_MAGIC_LE, 0);
  header.writeInt32LE(info.widthPx, 4);
  header.writeInt32LE(info.heightPx, 8);
  header.writeInt32LE(info.bands, 12);
  header.writeInt32LE(BYTES[info.format] * 8, 16);
  header.writeInt32LE(BAND_FORMAT_CODE[info.format], 20);
  header.writeInt32LE(0, 24); // coding: none
  const interpretation =
    info.bands >= 3
      ? info.format === 'ushort'
        ? INTERPRETATION.rgb16
        : info.format === 'uchar'
          ? INTERPRETATION.srgb
          : INTERPRETATION.multiband
      : info.format === 'ushort'
        ? INTERPRETATION.grey16
        : INTERPRETATION.bw;
  header.writeInt32LE(interpretation, 28);
  header.writeFloatLE(1, 32); // x resolution, pixels per mm
  header.writeFloatLE(1, 36);
  return header;
}

export function parseVipsHeader(header: Buffer): RasterInfo {
  if (header.length < VIPS_HEADER_BYTES || header.readUInt32BE(0) !== VIPS_MAGIC_LE) {
    throw new Error('not a little-endian libvips image');
  }
  const code = header.readInt32LE(20);
  const format = (Object.keys(BAND_FORMAT_CODE) as SampleFormat[]).find((f) => BAND_FORMAT_CODE[f] === code);
  if (!format) throw new Error(`unsupported libvips band format ${code}`);
  if (header.readInt32LE(24) !== 0) throw new Error('coded libvips images are not supported');
  return { widthPx: header.readInt32LE(4), heightPx: header.readInt32LE(8), bands: header.readInt32LE(12), format };
}

/** An open `.v` file; reads rectangles and pixels by offset. */
export class RasterFile {
  readonly file: string;
  readonly info: RasterInfo;
  private readonly handle: fs.FileHandle;

  private constructor(file: string, info: RasterInfo, handle: fs.FileHandle) {
    this.file = file;
    this.info = info;
    this.handle = handle;
  }

  static async open(file: string): Promise<RasterFile> {
    const handle = await fs.open(file, 'r');
    try {
      const header = Buffer.alloc(VIPS_HEADER_BYTES);
      await handle.read(header, 0, VIPS_HEADER_BYTES, 0);
      const info = parseVipsHeader(header);
      const { size } = await handle.stat();
      const needed = VIPS_HEADER_BYTES + info.widthPx * info.heightPx * info.bands * BYTES[info.format];
      if (size < needed) throw new Error(`${file} is shorter than its header says`);
      return new RasterFile(file, info, handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private offset(x: number, y: number): number {
    const { widthPx, bands, format } = this.info;
    return VIPS_HEADER_BYTES + (y * widthPx + x) * bands * BYTES[format];
  }

  /** Raw samples of a rectangle (clipped by the caller), bands interleaved. */
  async readRegion(left: number, top: number, width: number, height: number): Promise<Samples> {
    const { widthPx, heightPx, bands, format } = this.info;
    if (left < 0 || top < 0 || width <= 0 || height <= 0 || left + width > widthPx || top + height > heightPx) {
      throw new RangeError(`region ${left},${top} ${width}×${height} is outside ${widthPx}×${heightPx}`);
    }
    const samples = newSamples(format, width * height * bands);
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    const rowBytes = width * bands * BYTES[format];
    if (width === widthPx) {
      await this.readFully(bytes, 0, rowBytes * height, this.offset(0, top));
      return samples;
    }
    // One read per row; libuv runs them on its pool, a few at a time, and they are page-cache hits once warm.
    const reads: Promise<void>[] = [];
    for (let y = 0; y < height; y++) reads.push(this.readFully(bytes, y * rowBytes, rowBytes, this.offset(left, top + y)));
    await Promise.all(reads);
    return samples;
  }

  async readPixel(x: number, y: number): Promise<number[]> {
    const samples = await this.readRegion(x, y, 1, 1);
    return Array.from(samples);
  }

  private async readFully(target: Buffer, at: number, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, at + done, length - done, position + done);
      if (bytesRead === 0) throw new Error(`${this.file} ended early`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
