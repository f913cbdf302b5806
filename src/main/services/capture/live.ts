/**
 * The live view's frame pump: full-depth frames in, 8-bit JPEG display frames (with histogram, clipping and focus
 * score in a small header) out to every attached view. Newest frame wins: while an encode is running or no
 * view is ready for another frame, arriving frames replace the one waiting and are counted as dropped. The
 * camera never waits for a view, and a slow view never delays a fast one by more than one encode.
 */
import sharp from 'sharp';
import type { LiveFrameHeader } from '../../../shared/contract';
import { displayRgb8, frameStats } from './display';
import type { Frame } from './types';

export interface LiveSink {
  /** Whether the view has taken the last frame it was sent (it asks for the next one). */
  ready(): boolean;
  send(header: LiveFrameHeader, jpeg: Buffer): void;
}

export const LIVE_JPEG_QUALITY = 80;

/** The binary message: 4-byte little-endian header length, the header as UTF-8 JSON, then the JPEG. */
export function packLiveFrame(header: LiveFrameHeader, jpeg: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  return Buffer.concat([length, json, jpeg]);
}

export class LiveHub {
  private readonly sinks = new Set<LiveSink>();
  private waiting: Frame | null = null;
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

  /** A view became ready: send it the newest frame if one is waiting. */
  kick(): void {
    this.pump();
  }

  private pump(): void {
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
    const rgb = displayRgb8(frame);
    const jpeg = await sharp(rgb, { raw: { width: frame.widthPx, height: frame.heightPx, channels: 3 } }).jpeg({ quality: LIVE_JPEG_QUALITY }).toBuffer();
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
