/**
 * Frames into the library at full bit depth: 8-bit samples as 8-bit PNG, deeper ones as 16-bit PNG (12-bit
 * counts stay 0–4095 in the 16-bit container, as camera software writes them; the sensor depth is in the
 * metadata). File before row, with the library's own helpers: temp name beside the target, fsync, rename, fsync
 * the folder, then the capture row in one transaction.
 */
import { createHash, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../../shared/errors';
import * as catalog from '../catalog';
import { commitFile, fsyncDir, tempPathFor, unlinkQuietly, writeDurably } from '../library/files';
import { imageColumns, probeImage, renderThumbnail } from '../library/probe';
import type { Frame } from './types';

/**
 * The file operations an acquisition goes through, as one object so tests can make the disk fail (a full disk is
 * not something a test machine can arrange safely). Production code never replaces them.
 */
export const storeFiles = { writeDurably, commitFile };

/** Errors that mean the volume has no room left (a full disk, or the user's quota). */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

export function isDiskFull(error: unknown): boolean {
  return typeof error === 'object' && error !== null && DISK_FULL.has((error as NodeJS.ErrnoException).code ?? '');
}

export interface SavedFrame {
  captureId: number;
  file: string;
}

/** The frame's samples as a PNG of the same depth and band count. */
export async function encodeFrame(frame: Frame): Promise<Buffer> {
  const { widthPx: width, heightPx: height, channels } = frame;
  if (frame.data instanceof Uint8Array) {
    return sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), { raw: { width, height, channels } })
      .png({ compressionLevel: 1 })
      .toBuffer();
  }
  // sharp reads a Uint16Array as 16-bit samples.
  return sharp(frame.data, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'grey16' : 'rgb16')
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** Capture metadata as the catalog keeps it (under `capture`), in the units of the contract. */
export function frameMetadata(frame: Frame, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const m = frame.meta;
  return {
    source: { id: m.sourceId, label: m.sourceLabel },
    imaging: m.imaging,
    objective: m.objective ? { name: m.objective.name, magnification: m.objective.magnification, numericalAperture: m.objective.numericalAperture } : null,
    pixelSizeUm: m.pixelSizeUm,
    exposureMs: m.exposureMs,
    gain: m.gain,
    sensorBitDepth: frame.bitDepth,
    stage: m.stage,
    frameSeq: frame.seq,
    capturedAt: new Date(frame.capturedAtMs).toISOString(),
    ...extra,
  };
}

export interface SaveOptions {
  name: string;
  tags?: string[];
  /** Extra keys under metadata.capture (burst index, tile position…). */
  extra?: Record<string, unknown>;
  /** Keys beside `capture` in the metadata (a hologram's `holography` optics, which the holography service reads). */
  topLevel?: Record<string, unknown>;
}

async function ensureDir(dir: string): Promise<void> {
  const created = await fsp.mkdir(dir, { recursive: true });
  if (created) await fsyncDir(path.dirname(dir));
}

/**
 * Writes one encoded image as a capture of the session: image and thumbnail durably in place, then the row.
 * The capture's pixel size is the frame's (the objective in use), not the session's default.
 */
export async function saveImage(
  db: catalog.Db,
  libraryDir: string,
  sessionId: number,
  png: Buffer,
  frameLike: { capturedAtMs: number; pixelSizeUm: number | null },
  metadata: Record<string, unknown>,
  options: SaveOptions,
): Promise<SavedFrame> {
  const abs = (rel: string) => path.join(libraryDir, ...rel.split('/'));
  const key = randomUUID();
  const imageRel = `images/s${sessionId}/${key}.png`;
  const thumbRel = `thumbs/s${sessionId}/${key}.png`;
  await ensureDir(path.dirname(abs(imageRel)));
  await ensureDir(path.dirname(abs(thumbRel)));
  const tempImage = tempPathFor(abs(imageRel));
  let tempThumb: string | null = null;
  const committed: string[] = [];
  try {
    await storeFiles.writeDurably(tempImage, png);
    const info = await probeImage(tempImage, options.name);
    const thumb = await renderThumbnail(tempImage, info);
    tempThumb = tempPathFor(abs(thumbRel));
    await storeFiles.writeDurably(tempThumb, thumb);
    await storeFiles.commitFile(tempImage, abs(imageRel));
    committed.push(imageRel);
    await storeFiles.commitFile(tempThumb, abs(thumbRel));
    committed.push(thumbRel);
    const row: catalog.NewCapture = {
      sessionId,
      file: imageRel,
      thumbnail: thumbRel,
      sha256: createHash('sha256').update(png).digest('hex'),
      byteSize: png.length,
      originalName: options.name,
      ...imageColumns(info),
      capturedAt: new Date(frameLike.capturedAtMs).toISOString(),
      metadata: { ...info.metadata, ...options.topLevel, capture: metadata },
      tags: options.tags,
    };
    const captureId = db.transaction(() => {
      const id = catalog.insertCapture(db, row);
      // The session holds a default pixel size; a live capture knows the objective that took it.
      if (frameLike.pixelSizeUm !== null) db.prepare('UPDATE captures SET pixel_size_um = ? WHERE id = ?').run(frameLike.pixelSizeUm, id);
      return id;
    })();
    return { captureId, file: imageRel };
  } catch (error) {
    await unlinkQuietly(tempImage);
    if (tempThumb) await unlinkQuietly(tempThumb);
    for (const rel of committed) await unlinkQuietly(abs(rel));
    if (error instanceof AppError && error.code === 'not-found') {
      throw new AppError('not-found', `${options.name} was not saved: its session no longer exists.`);
    }
    if (isDiskFull(error)) {
      // Nothing of this frame is left behind (temp files removed above); frames saved before keep file and row.
      throw new AppError(
        'internal',
        `The disk is full: ${options.name} could not be written to ${path.dirname(abs(imageRel))}. Free some space on that disk and capture again; captures already saved are kept.`,
      );
    }
    throw error;
  }
}

export async function saveFrame(db: catalog.Db, libraryDir: string, sessionId: number, frame: Frame, options: SaveOptions): Promise<SavedFrame> {
  const png = await encodeFrame(frame);
  const holo = frame.meta.hologram;
  const topLevel = holo ? { holography: { ...holo, fieldId: null }, ...options.topLevel } : options.topLevel;
  return saveImage(db, libraryDir, sessionId, png, { capturedAtMs: frame.capturedAtMs, pixelSizeUm: frame.meta.pixelSizeUm }, frameMetadata(frame, options.extra), {
    ...options,
    topLevel,
  });
}
