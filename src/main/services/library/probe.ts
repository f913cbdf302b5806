import fs from 'node:fs/promises';
import sharp, { type Metadata, type Stats } from 'sharp';
import { AppError } from '../../../shared/errors';

export interface ImageInfo {
  format: 'png' | 'jpeg' | 'tiff' | 'webp';
  width: number;
  height: number;
  /** Bits per sample as stored: 8, 16 or 32 (float or integer), never the 8 bits a display would show. */
  bitDepth: number;
  channels: number;
  /** Pixel type as libvips names it: uchar, ushort, float … */
  sampleType: string;
  metadata: Record<string, unknown>;
  /** Per-band minimum and maximum over every pixel, from the full decode. */
  range: { min: number; max: number };
}

/** The catalog columns of a capture row that come from its probe. */
export function imageColumns(info: ImageInfo): Pick<ImageInfo, 'format' | 'width' | 'height' | 'bitDepth' | 'channels'> {
  return { format: info.format, width: info.width, height: info.height, bitDepth: info.bitDepth, channels: info.channels };
}

// libvips keeps recently opened files open by default; on Windows an open handle blocks the rename of the
// checked temp copy into place, and nowhere should a deleted capture's file stay pinned. Memory caching stays.
sharp.cache({ files: 0 });

const ACCEPTED = new Set(['png', 'jpeg', 'tiff', 'webp']);
const BITS: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, double: 64, complex: 64, dpcomplex: 128 };

// libvips refuses images above ~268 megapixels by default; whole-slide tiles and stitched mosaics go beyond that,
// and the checks here stream, so a size cap would only turn away real data.
const SHARP_INPUT = { failOn: 'error', limitInputPixels: false } as const;

const unreadable = (name: string, why: string): AppError =>
  new AppError('unreadable-image', `${name} is not a readable image (${why}).`);

type Sniffed = 'png' | 'jpeg' | 'tiff' | 'unknown';

function sniff(head: Buffer): Sniffed {
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 4) {
    const sig = head.subarray(0, 4).toString('latin1');
    if (sig === 'II*\0' || sig === 'MM\0*' || sig === 'II+\0' || sig === 'MM\0+') return 'tiff';
  }
  return 'unknown';
}

/**
 * Decides, after libvips refused a file whose first bytes look like a known format, whether the file simply
 * stops early — the common case for an interrupted copy or upload, and the one a person can act on.
 */
async function looksTruncated(file: string, kind: Sniffed, size: number): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const tailLength = Math.min(size, 16);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    if (kind === 'png') return !tail.includes(Buffer.from('IEND', 'latin1'));
    if (kind === 'jpeg') return !(tail.length >= 2 && tail.includes(Buffer.from([0xff, 0xd9])));
    if (kind === 'tiff') {
      const head = Buffer.alloc(16);
      await handle.read(head, 0, 16, 0);
      const little = head[0] === 0x49;
      const big = head[2] === 0x2b || head[3] === 0x2b;
      const firstIfd = big
        ? Number(little ? head.readBigUInt64LE(8) : head.readBigUInt64BE(8))
        : little
          ? head.readUInt32LE(4)
          : head.readUInt32BE(4);
      return firstIfd >= size;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * Checks that a file is an image Lucida can keep, by decoding every pixel (a header can be intact while the data
 * is cut off), and describes it. Throws one AppError whose message names the file and says what is wrong.
 */
export async function probeImage(file: string, displayName: string): Promise<ImageInfo> {
  const stat = await fs.stat(file);
  if (stat.size === 0) throw unreadable(displayName, 'the file is empty');
  const head = Buffer.alloc(16);
  const handle = await fs.open(file, 'r');
  try {
    await handle.read(head, 0, 16, 0);
  } finally {
    await handle.close();
  }
  const kind = sniff(head);

  let meta: Metadata;
  let stats: Stats;
  try {
    meta = await sharp(file, SHARP_INPUT).metadata();
    if (!meta.format || !ACCEPTED.has(meta.format)) {
      throw unreadable(displayName, `${meta.format ? meta.format.toUpperCase() + ' files are not supported' : 'the format is not recognised'}; use PNG, JPEG or TIFF`);
    }
    stats = await sharp(file, SHARP_INPUT).stats();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (kind === 'unknown') throw unreadable(displayName, 'it is not a PNG, JPEG or TIFF file');
    if (await looksTruncated(file, kind, stat.size)) throw unreadable(displayName, 'the file is truncated');
    throw unreadable(displayName, `the ${kind.toUpperCase()} data is damaged`);
  }

  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw unreadable(displayName, 'it has no pixels');
  const sampleType = meta.depth ?? 'uchar';
  const min = Math.min(...stats.channels.map((c) => c.min));
  const max = Math.max(...stats.channels.map((c) => c.max));
  return {
    format: meta.format as ImageInfo['format'],
    width,
    height,
    bitDepth: BITS[sampleType] ?? 8,
    channels: meta.channels ?? 1,
    sampleType,
    range: { min, max },
    metadata: compactMetadata(meta),
  };
}

/** What is worth keeping from the header: facts about the acquisition, not libvips internals or raw blobs. */
function compactMetadata(meta: Metadata): Record<string, unknown> {
  const out: Record<string, unknown> = {
    space: meta.space ?? null,
    sampleType: meta.depth ?? null,
    hasAlpha: meta.hasAlpha ?? null,
    densityDpi: meta.density ?? null,
    orientation: meta.orientation ?? null,
    pages: meta.pages ?? null,
    compression: meta.compression ?? null,
    resolutionUnit: meta.resolutionUnit ?? null,
  };
  if (typeof meta.bitsPerSample === 'number') out.bitsPerSample = meta.bitsPerSample;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== null && v !== undefined));
}

export const THUMB_MAX_PX = 256;

/**
 * An 8-bit PNG preview at most 256 px on a side. Integer data above 8 bits is stretched (1st–99th percentile)
 * because a 12-bit camera frame in a 16-bit container would otherwise look black; float data is mapped linearly
 * from its measured range. 8-bit images keep their colours as they are.
 */
export async function renderThumbnail(file: string, info: ImageInfo): Promise<Buffer> {
  let pipeline = sharp(file, SHARP_INPUT).resize(THUMB_MAX_PX, THUMB_MAX_PX, { fit: 'inside', withoutEnlargement: true });
  const isFloat = info.sampleType === 'float' || info.sampleType === 'double';
  if (isFloat) {
    const span = info.range.max - info.range.min;
    const scale = span > 0 && Number.isFinite(span) ? 255 / span : 0;
    pipeline = pipeline.linear(scale, -info.range.min * scale);
  } else if (info.bitDepth > 8) {
    pipeline = pipeline.normalise();
  }
  const mono = info.channels <= 2;
  return pipeline
    .toColourspace(mono ? 'b-w' : 'srgb')
    .png({ compressionLevel: 6 })
    .toBuffer();
}
