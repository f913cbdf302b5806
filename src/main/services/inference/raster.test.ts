import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToRaw, memorySource, normalisationFor, rawFileSink, rawFileSource } from './raster';

const GREY16 = path.resolve(__dirname, '../../../../test-fixtures/models/images/grey16-37x23.png');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lucida-raster-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('decoding captures', () => {
  it('keeps a 16-bit PNG 16-bit (values above 255 reach the model)', async () => {
    const decoded = await decodeToRaw(GREY16, path.join(tmp, 'g.v'), 1);
    expect(decoded).toMatchObject({ widthPx: 37, heightPx: 23, channels: 1, sampleType: 'uint16' });
    const src = await rawFileSource(decoded.file, 37, 23, 1, 'uint16', decoded.byteOffset);
    const rows = await src.readRows(10, 12);
    await src.close();
    const expected = (y: number, x: number) => (y * 37 + x) * 47 + 3;
    expect(rows[0]).toBe(expected(10, 0));
    expect(rows[37 + 5]).toBe(expected(11, 5));
    expect(Math.max(...rows)).toBeGreaterThan(255);
  });

  it('replicates grey into three channels for an RGB model, still 16-bit', async () => {
    const decoded = await decodeToRaw(GREY16, path.join(tmp, 'g3.v'), 3);
    expect(decoded).toMatchObject({ channels: 3, sampleType: 'uint16' });
    const src = await rawFileSource(decoded.file, 37, 23, 3, decoded.sampleType, decoded.byteOffset);
    const rows = await src.readRows(22, 23);
    await src.close();
    const v = 22 * 37 * 47 + 3;
    expect(Array.from(rows.slice(0, 3))).toEqual([v, v, v]);
  });

  it('says clearly when a file is not an image, or a raw file is too short', async () => {
    const junk = path.join(tmp, 'junk.png');
    await writeFile(junk, 'not an image');
    await expect(decodeToRaw(junk, path.join(tmp, 'j.v'), 3)).rejects.toThrow(/could not be read as an image/);
    const short = path.join(tmp, 'short.raw');
    await writeFile(short, new Uint8Array(100));
    await expect(rawFileSource(short, 10, 10, 3, 'uint8')).rejects.toThrow(/truncated/);
  });
});

describe('output files', () => {
  it('appear under their name only when complete; a failed run leaves nothing', async () => {
    const fs = await import('node:fs');
    const good = path.join(tmp, 'good.f32');
    const sink = await rawFileSink(good, { widthPx: 2, heightPx: 2, channels: 1, channelNames: ['phase'] });
    await sink.writeRows(0, Float32Array.of(1.5, -3.25));
    expect(fs.existsSync(good)).toBe(false);
    await sink.writeRows(1, Float32Array.of(Math.PI, 0));
    await sink.finish(true);
    const bytes = fs.readFileSync(good);
    const back = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(Array.from(back)).toEqual([1.5, -3.25, Math.fround(Math.PI), 0]);
    expect(JSON.parse(fs.readFileSync(`${good}.json`, 'utf8'))).toMatchObject({ format: 'lucida-raw', dtype: 'float32', layout: 'HWC', channelNames: ['phase'] });

    const bad = path.join(tmp, 'bad.f32');
    const sink2 = await rawFileSink(bad, { widthPx: 2, heightPx: 2, channels: 1, channelNames: ['x'] });
    await sink2.writeRows(0, Float32Array.of(1, 2));
    await sink2.finish(false);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('bad'))).toEqual([]);
  });
});

describe('per-image normalisation statistics', () => {
  const w = 50;
  const h = 40;
  const data = new Float32Array(w * h * 2);
  for (let i = 0; i < w * h; i++) {
    data[2 * i] = i; // 0 … 1999, uniform
    data[2 * i + 1] = 100 + (i % 2) * 10; // mean 105, std 5
  }

  it('mean and standard deviation per channel', async () => {
    const n = await normalisationFor(memorySource(data, w, h, 2), { kind: 'mean-std' });
    expect(n.offset[0]).toBeCloseTo(999.5, 6);
    expect(n.offset[1]).toBeCloseTo(105, 6);
    expect(n.divisor[1]).toBeCloseTo(5, 6);
  });

  it('percentiles per channel, over the whole image', async () => {
    const n = await normalisationFor(memorySource(data, w, h, 2), { kind: 'percentile', lowPercentile: 1, highPercentile: 99 });
    expect(n.offset[0]).toBeCloseTo(20, -0.5);
    expect(n.offset[0] + n.divisor[0]).toBeCloseTo(1980, -0.5);
  });

  it('a fixed divisor needs no pass over the image', async () => {
    const src = memorySource(data, w, h, 2);
    let reads = 0;
    const counted = { ...src, readRows: (a: number, b: number) => (reads++, src.readRows(a, b)) };
    expect(await normalisationFor(counted, { kind: 'scale', divisor: 255 })).toEqual({ offset: [0, 0], divisor: [255, 255] });
    expect(reads).toBe(0);
  });
});
