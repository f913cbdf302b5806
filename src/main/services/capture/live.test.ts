import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { LiveFrameHeader } from '../../../shared/contract';
import { displayJpeg, LiveHub, packLiveFrame } from './live';
import type { Frame } from './types';

function flatFrame(channels: 1 | 3, bitDepth: number, fraction: number, seq = 0): Frame {
  const n = 64 * 32 * channels;
  const value = Math.round(fraction * (2 ** bitDepth - 1));
  const data = bitDepth === 8 ? new Uint8Array(n).fill(value) : new Uint16Array(n).fill(value);
  return { seq, capturedAtMs: 1, widthPx: 64, heightPx: 32, channels, bitDepth, data, meta: { sourceId: 's', sourceLabel: 's', exposureMs: 1, gain: 1, objective: null, pixelSizeUm: null, stage: null, imaging: 'camera' } };
}

describe('live display frames', () => {
  it.each([
    [3, 8],
    [3, 12],
    [3, 16],
    [1, 16],
    [1, 12],
  ] as const)('maps the full sensor range of %i-band %i-bit frames to 0–255', async (channels, bitDepth) => {
    const jpeg = await displayJpeg(flatFrame(channels, bitDepth, 0.5));
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 64, height: 32 });
    expect(Math.abs(data[100]! - 127)).toBeLessThanOrEqual(2);
  });

  it('packs header and JPEG so the page can split them', () => {
    const header = { seq: 7 } as LiveFrameHeader;
    const packed = packLiveFrame(header, Buffer.from([0xff, 0xd8, 1]));
    const length = packed.readUInt32LE(0);
    expect(JSON.parse(packed.subarray(4, 4 + length).toString())).toEqual({ seq: 7 });
    expect([...packed.subarray(4 + length)]).toEqual([0xff, 0xd8, 1]);
  });

  it('sends only to a ready view and keeps only the newest waiting frame (the rest count as dropped)', async () => {
    const hub = new LiveHub(() => 30);
    const sent: LiveFrameHeader[] = [];
    let ready = false;
    hub.attach({ ready: () => ready, send: (h) => sent.push(h) });
    for (let seq = 0; seq < 5; seq++) hub.push(flatFrame(3, 8, 0.3, seq));
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual([]);
    ready = true;
    hub.kick();
    await new Promise((r) => setTimeout(r, 200));
    expect(sent.map((h) => h.seq)).toEqual([4]);
    expect(sent[0]!.hostDropped).toBe(4);
    expect(sent[0]!.histogram).toHaveLength(64);
  });
});
