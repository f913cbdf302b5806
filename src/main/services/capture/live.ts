/**
 * The live view's frame pump: full-depth frames in, 8-bit JPEG display frames (with histogram, clipping and focus
 * score in a small header) out to every attached view. Newest frame wins: while an encode is running or no
 * view is ready for another frame, arriving frames replace the one waiting and are counted as dropped. The
 * camera never waits for a view, and a slow view never delays a fast one by more than one encode.
 */
import sharp from 'sharp';
import type { LiveFrameHeader } from '../../../shared/contract';
import { frameStats } from './display';
import type { Frame } from './types';

export interface LiveSink {
  /** Whether the view has taken the last frame it was sent (it asks for the next one). */
  ready(): boolean;
  send(header: LiveFrameHeader, jpeg: Buffer): void;
}

export const LIVE_JPEG_QUALITY = 80;
/** Huffman optimisation costs a second pass for ~4 % smaller frames: not worth it on loopback at video rate. */
export const LIVE_JPEG = { quality: LIVE_JPEG_QUALITY, optimiseCoding: false } as const;

/** The binary message: 4-byte little-endian header length, the header as UTF-8 JSON, then the JPEG. */
export function packLiveFrame(header: LiveFrameHeader, jpeg: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  return Buffer.concat([length, json, jpeg]);
}

/**
 * The 8-bit display JPEG of a frame, made in libuv's thread pool (sharp), not on the event loop: 16-bit samples
 * are narrowed by libvips itself (>> 8), 10/12-bit ones scaled up to 16 bits first.
 */
export function displayJpeg(frame: Frame): Promise<Buffer> {
  const raw = { width: frame.widthPx, height: frame.heightPx, channels: frame.channels };
  const { data } = frame;
  if (data instanceof Uint8Array) return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw }).jpeg(LIVE_JPEG).toBuffer();
  // libvips reads ushort samples as 16-bit (RGB16/GREY16) and divides by 256 for JPEG; 12-bit counts are first
  // scaled to that range.
  const image = frame.bitDepth === 16 ? sharp(data, { raw }) : sharp(data, { raw }).linear(2 ** (16 - frame.bitDepth), 0);
  return image.jpeg(LIVE_JPEG).toBuffer();
}

export class LiveHub {
  private readonly sinks = new Set<LiveSink>();
  private waiting: Frame | null = null;
  /** An already-encoded extra image (a live-enhancement result) waiting for a ready view; newest wins too. */
  private extra: { header: LiveFrameHeader; jpeg: Buffer } | null = null;
  private encoding = false;
  private dropped = 0;
  private sourceFps: () => number;

  constructor(sourceFps: () => number) {
    this.sourceFps = sourceFps;
  }

  get viewers(): number {
    return this.sinks.size;
  }

  attach(sink: LiveSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  push(frame: Frame): void {
    if (this.sinks.size === 0) return;
    if (this.waiting) this.dropped++;
    this.waiting = frame;
    this.pump();
  }

  /** Sends an encoded extra image (live enhancement) to the views as soon as one is ready. */
  pushExtra(header: LiveFrameHeader, jpeg: Buffer): void {
    if (this.sinks.size === 0) return;
    this.extra = { header, jpeg };
    this.pump();
  }

  /** A view became ready: send it the newest frame if one is waiting. */
  kick(): void {
    this.pump();
  }

  private pump(): void {
    if (this.extra && [...this.sinks].some((s) => s.ready())) {
      const { header, jpeg } = this.extra;
      this.extra = null;
      for (const sink of this.sinks) if (sink.ready()) sink.send(header, jpeg);
    }
    if (this.encoding || !this.waiting) return;
    if (![...this.sinks].some((s) => s.ready())) return;
    const frame = this.waiting;
    this.waiting = null;
    this.encoding = true;
    void this.encode(frame)
      .catch(() => undefined)
      .finally(() => {
        this.encoding = false;
        this.pump();
      });
  }

  private async encode(frame: Frame): Promise<void> {
    const stats = frameStats(frame);
    const jpeg = await displayJpeg(frame);
    const header: LiveFrameHeader = {
      seq: frame.seq,
      capturedAtMs: frame.capturedAtMs,
      widthPx: frame.widthPx,
      heightPx: frame.heightPx,
      bitDepth: frame.bitDepth,
      histogram: stats.histogram,
      clippedLow: stats.clippedLow,
      clippedHigh: stats.clippedHigh,
      focusScore: stats.focusScore,
      stage: frame.meta.stage,
      exposureMs: frame.meta.exposureMs,
      gain: frame.meta.gain,
      sourceFps: this.sourceFps(),
      hostDropped: this.dropped,
    };
    for (const sink of this.sinks) if (sink.ready()) sink.send(header, jpeg);
  }
}
