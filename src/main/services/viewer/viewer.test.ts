import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallName, CallOutput } from '../../../shared/contract';
import type { Dispatch } from '../../rpc';
import type { Services } from '..';
import { callChecked, servicesForTest } from '../testing';
import { removeDir, tempDir } from '../library/testing';

let root: string;
let services: Services;
let dispatch: Dispatch;
let captureId: number;
const W = 64;
const H = 48;

const call = <C extends CallName>(channel: C, payload: unknown): Promise<CallOutput<C>> => callChecked(dispatch, channel, payload);

/** A grey 8-bit ramp: value = 2·x + y, so interpolation and differences are easy to predict. */
function ramp(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (2 * x + y) & 255;
  return data;
}

beforeAll(async () => {
  root = tempDir('lucida-viewer-');
  ({ services, dispatch } = servicesForTest(root));
  const input = path.join(root, 'ramp.png');
  await sharp(ramp(W, H), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toFile(input);
  const session = await call('sessions.create', { title: 'Viewer', date: '2026-11-27', modality: 'bright-field', pixelSizeUm: 0.5 });
  await call('captures.import', { sessionId: session.id, sources: [{ kind: 'path', path: input }] });
  await services.idle();
  const captures = await call('captures.list', { sessionId: session.id });
  captureId = captures[0].id;
});

afterAll(async () => {
  await services.close();
  removeDir(root);
});

describe('viewer service', () => {
  it('decodes an imported capture overview before anyone opens it (prepared after the import)', () => {
    const found = fs
      .readdirSync(path.join(root, 'library', 'tiles'), { recursive: true, encoding: 'utf8' })
      .filter((name) => /(^|\/)overview-\d+-\w+\.v$/.test(name));
    expect(found.length).toBe(1);
  });

  it('lists the raw capture as the first layer, in micrometres', async () => {
    const { capture, layers } = await call('viewer.layers', { captureId });
    expect(capture.id).toBe(captureId);
    expect(layers).toEqual([expect.objectContaining({ key: 'raw', role: 'raw', derivativeId: null, widthPx: W, heightPx: H, pixelSizeUm: 0.5 })]);
  });

  it('opens the raw capture as a pyramid whose missing tiles the hosts can make', async () => {
    const info = await call('viewer.pyramid', { captureId });
    expect(info).toMatchObject({ width: W, height: H, sampleFormat: 'uchar', bands: 1 });
    expect(info.dziUrl).toMatch(/^\/library\/tiles\/[0-9a-f]{16}\/[0-9a-f]{16}\/image\.dzi$/);
    const rel = info.dziUrl.replace('/library/', '').replace('image.dzi', `image_files/${info.levels - 1}/0_0.${info.format}`);
    expect(services.resolveLibraryFile(rel)).toBeNull();
    const file = await services.tileFileForRequest(rel);
    expect(file && fs.existsSync(file)).toBe(true);
    expect(services.resolveLibraryFile(rel)).toBe(file);
    expect(await services.tileFileForRequest('tiles/not/a/tile.png')).toBeNull();
  });

  it('reads out raw values at a pixel', async () => {
    await expect(call('viewer.pixel', { captureId, xPx: 10, yPx: 3 })).resolves.toEqual({ values: [23], unit: 'counts' });
    await expect(call('viewer.pixel', { captureId, xPx: W, yPx: 0 })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('makes a bicubic ×2 interpolation once, at half the pixel size, with no provenance', async () => {
    const first = await call('viewer.interpolate', { captureId });
    expect(first).toMatchObject({ kind: 'interpolated', width: 2 * W, height: 2 * H, pixelSizeUm: 0.25, provenance: null, dtype: 'uint8', channels: 1 });
    const again = await call('viewer.interpolate', { captureId });
    expect(again.id).toBe(first.id);
    const { layers } = await call('viewer.layers', { captureId });
    expect(layers.find((l) => l.derivativeId === first.id)).toMatchObject({ role: 'interpolated', label: 'Bicubic ×2 of raw' });
    // The interpolated value at the centre of a raw pixel's 2×2 block stays close to the raw value.
    const { values } = await call('viewer.pixel', { captureId, derivativeId: first.id, xPx: 20, yPx: 20 });
    expect(Math.abs(values[0] - (2 * 10 + 10))).toBeLessThanOrEqual(2);
  });

  it('keeps 16 bits in the bicubic ×2 of a 16-bit capture', async () => {
    const file = path.join(root, 'grey16.tif');
    const ramp16 = new Uint16Array(40 * 30);
    for (let i = 0; i < ramp16.length; i++) ramp16[i] = 20_000 + (i % 40) * 500;
    // LZW: sharp's default TIFF compression (JPEG) would make it 8-bit.
    await sharp(ramp16, { raw: { width: 40, height: 30, channels: 1 } }).toColourspace('grey16').tiff({ compression: 'lzw' }).toFile(file);
    expect((await sharp(file).metadata()).depth).toBe('ushort');
    const session = await call('sessions.create', { title: 'Sixteen', date: '2026-11-27', modality: 'bright-field' });
    await call('captures.import', { sessionId: session.id, sources: [{ kind: 'path', path: file }] });
    await services.idle();
    const [capture] = await call('captures.list', { sessionId: session.id });
    const d = await call('viewer.interpolate', { captureId: capture.id });
    expect(d).toMatchObject({ dtype: 'uint16', width: 80, height: 60, pixelSizeUm: null });
    // The same specimen point read from the raw and from its ×2 agrees in 16-bit counts (a smooth ramp, so closely).
    const raw = await call('viewer.pixel', { captureId: capture.id, xPx: 20, yPx: 15 });
    const twice = await call('viewer.pixel', { captureId: capture.id, derivativeId: d.id, xPx: 40, yPx: 30 });
    expect(raw.values[0]).toBeGreaterThan(255);
    expect(Math.abs(twice.values[0] - raw.values[0]) / raw.values[0]).toBeLessThan(0.05);
    const { layers } = await call('viewer.layers', { captureId: capture.id });
    expect(layers.map((l) => [l.role, l.pixelSizeUm])).toEqual([['raw', null], ['interpolated', null]]);
  });

  it('refuses to show or subtract an enhanced result without provenance', async () => {
    const d = await recordEnhanced(false);
    await expect(call('viewer.pyramid', { captureId, derivativeId: d.id })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call('viewer.difference', { captureId, derivativeId: d.id })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('makes the difference map enhanced − bicubic ×2 as float32, shown with the diverging map', async () => {
    const enhanced = await recordEnhanced(true);
    const diff = await call('viewer.difference', { captureId, derivativeId: enhanced.id });
    expect(diff).toMatchObject({ kind: 'other', dtype: 'float32', width: 2 * W, height: 2 * H, pixelSizeUm: 0.25 });
    expect(diff.provenance?.modelId).toBe('bf-sr2');
    expect((await call('viewer.difference', { captureId, derivativeId: enhanced.id })).id).toBe(diff.id);
    const { layers } = await call('viewer.layers', { captureId });
    const layer = layers.find((l) => l.derivativeId === diff.id);
    expect(layer).toMatchObject({ role: 'difference', valueUnit: 'Δ (normalised)', differenceOf: { enhancedId: enhanced.id } });
    // The enhanced image is the interpolation plus 20/255 everywhere: the difference reads +20/255.
    const { values } = await call('viewer.pixel', { captureId, derivativeId: diff.id, xPx: 30, yPx: 30 });
    expect(values[0]).toBeCloseTo(20 / 255, 2);
    const info = await call('viewer.pyramid', { captureId, derivativeId: diff.id });
    expect(info.sampleFormat).toBe('float');
    await services.idle();
    const settings = info.display ?? (await call('viewer.pyramid', { captureId, derivativeId: diff.id })).display;
    if (settings) expect(settings.colormap).toBe('diverging');
  });

  it('hands out the colour tables the tiles use', async () => {
    const maps = await call('viewer.colormaps', {});
    for (const table of [maps.grey, maps.cyclic, maps.diverging]) expect(table).toHaveLength(768);
    // Cyclic: the first and last entries are neighbours on the wheel.
    expect(Math.abs(maps.cyclic[0] - maps.cyclic[765])).toBeLessThan(8);
  });
});

/** An "enhanced" result: the bicubic ×2 image brightened by 20 counts, written under derived/ and recorded. */
async function recordEnhanced(withProvenance: boolean) {
  const interp = await call('viewer.interpolate', { captureId });
  const rel = interp.fileUrl.replace('/library/', '');
  const libraryDir = services.libraryDir;
  const { data, info } = await sharp(path.join(libraryDir, rel)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const brighter = Buffer.from(data.map((v) => Math.min(255, v + 20)));
  // Keep clear of 255 so "+20 everywhere" holds where the test reads.
  const name = `derived/c${captureId}/enh-${withProvenance ? 'p' : 'n'}.png`;
  await sharp(brighter, { raw: { width: info.width, height: info.height, channels: 1 } }).toColourspace('b-w').png().toFile(path.join(libraryDir, name));
  return services.recordDerivative({
    captureId,
    kind: 'enhanced',
    file: name,
    width: info.width,
    height: info.height,
    dtype: 'uint8',
    channels: 1,
    pixelSizeUm: 0.25,
    provenance: withProvenance
      ? { modelId: 'bf-sr2', modelVersion: '1.0.0', weightsSha256: 'a'.repeat(64), executionProvider: 'cpu', tileSize: 256, tileHalo: 16, durationMs: 12 }
      : null,
  });
}
