import { mkdtemp, readFile, rm, cp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasSize, reflectIndex } from '../../../shared/tiling';
import { InferenceEngine } from './engine';
import { readManifest } from './manifest';
import { parseNpy, encodeNpy } from './npy';
import { InferenceCancelled } from './tiled';

const FIXTURES = path.resolve(__dirname, '../../../../test-fixtures/models');
const cpuOnly = { platform: process.platform, arch: process.arch, backends: [{ name: 'cpu', bundled: true }], bindingDir: null };

function noiseImage(w: number, h: number, c: number, seed = 1): Float32Array {
  const out = new Float32Array(w * h * c);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s >>> 24; // 0..255, like an 8-bit capture
  }
  return out;
}

/** What untiled inference sees: the whole image, mirror-padded to the multiple, normalised, as one NCHW tensor. */
function wholeCanvas(img: Float32Array, w: number, h: number, c: number, multiple: number, divisor: number) {
  const cw = canvasSize(w, multiple);
  const ch = canvasSize(h, multiple);
  const t = new Float32Array(c * cw * ch);
  for (let k = 0; k < c; k++)
    for (let y = 0; y < ch; y++)
      for (let x = 0; x < cw; x++) t[k * cw * ch + y * cw + x] = img[(reflectIndex(y, h) * w + reflectIndex(x, w)) * c + k] / divisor;
  return { t, cw, ch };
}

function cropHWC(nchw: Float32Array, c: number, cw: number, ch: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = nchw[k * cw * ch + y * cw + x];
  return out;
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

let engine: InferenceEngine;
let tmp: string;
beforeAll(async () => {
  engine = new InferenceEngine({ modelRoots: [FIXTURES], ladder: cpuOnly });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lucida-inference-'));
});
afterAll(async () => {
  await engine.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('tiled inference equals untiled inference', () => {
  it.each([
    ['tiny-unet-x1', 1, 4, 96, 0],
    ['tiny-unet-x1 with a blend band inside the halo slack', 1, 4, 96, 8],
    ['tiny-sr-x2', 2, 1, 48, 0],
    ['tiny-sr-x2 with a blend band', 2, 1, 48, 6],
  ])('%s on a 301×197 image (×%i, multiple %i, tile %i, blend %i)', async (label, scale, multiple, tile, blend) => {
    const modelId = label.split(' ')[0];
    const w = 301;
    const h = 197;
    const img = noiseImage(w, h, 3);
    const tiled = await engine.enhance({ modelId, input: { kind: 'memory', data: img, widthPx: w, heightPx: h, channels: 3 }, output: { kind: 'memory' }, tileSizePx: tile, blendPx: blend });
    expect(tiled.tiles).toBeGreaterThan(6);
    expect([tiled.widthPx, tiled.heightPx, tiled.channels]).toEqual([w * scale, h * scale, 3]);

    const { t, cw, ch } = wholeCanvas(img, w, h, 3, multiple, 255);
    const whole = await engine.runTensor(modelId, t, [1, 3, ch, cw], 'cpu');
    const reference = cropHWC(whole.data, 3, cw * scale, ch * scale, w * scale, h * scale);
    const diff = maxAbs(tiled.data!, reference);
    console.log(`${label}: ${tiled.tiles} tiles, max |tiled − untiled| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('normalises with statistics of the whole image, so per-image normalisation makes no seams', async () => {
    const dir = path.join(tmp, 'models', 'percentile-unet');
    await cp(path.join(FIXTURES, 'tiny-unet-x1'), dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const normalisation = { kind: 'percentile', lowPercentile: 1, highPercentile: 99 };
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, id: 'percentile-unet', input: { ...manifest.input, normalisation } }));
    const e = new InferenceEngine({ modelRoots: [path.join(tmp, 'models')], ladder: cpuOnly });
    const w = 161;
    const h = 103;
    // Brightness ramps across the image: per-tile statistics would differ from tile to tile.
    const img = noiseImage(w, h, 3, 2).map((v, i) => v * 0.25 + (Math.floor(i / 3) % w) * 1.5);
    const tiled = await e.enhance({ modelId: 'percentile-unet', input: { kind: 'memory', data: img, widthPx: w, heightPx: h, channels: 3 }, output: { kind: 'memory' }, tileSizePx: 64 });
    const { normalisationFor, memorySource } = await import('./raster');
    const stats = await normalisationFor(memorySource(img, w, h, 3), normalisation as never);
    const shifted = img.map((v, i) => (v - stats.offset[i % 3]) / stats.divisor[i % 3]);
    const { t, cw, ch } = wholeCanvas(shifted, w, h, 3, 4, 1);
    const whole = await e.runTensor('percentile-unet', t, [1, 3, ch, cw]);
    const diff = maxAbs(tiled.data!, cropHWC(whole.data, 3, cw, ch, w, h));
    console.log(`percentile normalisation: ${tiled.tiles} tiles, max |tiled − untiled| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    await e.close();
  });

  it('catches a halo that is too small (the comparison can fail)', async () => {
    // A copy of the U-Net whose manifest claims a 4 px halo: its receptive radius is 18 px, so seams appear.
    const dir = path.join(tmp, 'models', 'small-halo');
    await cp(path.join(FIXTURES, 'tiny-unet-x1'), dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, id: 'small-halo', tile: { ...manifest.tile, halo: 4 } }));
    const e = new InferenceEngine({ modelRoots: [path.join(tmp, 'models')], ladder: cpuOnly });
    const w = 120;
    const h = 90;
    const img = noiseImage(w, h, 3, 5);
    const tiled = await e.enhance({ modelId: 'small-halo', input: { kind: 'memory', data: img, widthPx: w, heightPx: h, channels: 3 }, output: { kind: 'memory' }, tileSizePx: 32 });
    const { t, cw, ch } = wholeCanvas(img, w, h, 3, 4, 255);
    const whole = await e.runTensor('small-halo', t, [1, 3, ch, cw]);
    expect(maxAbs(tiled.data!, cropHWC(whole.data, 3, cw, ch, w, h))).toBeGreaterThan(1e-3);
    await e.close();
  });
});

describe('images of any size', () => {
  it.each([
    [1, 1],
    [3, 2],
    [5, 130],
  ])('runs a %i×%i image (smaller than the multiple or a tile) and matches untiled', async (w, h) => {
    const img = noiseImage(w, h, 3, w * 7 + h);
    const r = await engine.enhance({ modelId: 'tiny-unet-x1', input: { kind: 'memory', data: img, widthPx: w, heightPx: h, channels: 3 }, output: { kind: 'memory' } });
    expect([r.widthPx, r.heightPx]).toEqual([w, h]);
    const { t, cw, ch } = wholeCanvas(img, w, h, 3, 4, 255);
    const whole = await engine.runTensor('tiny-unet-x1', t, [1, 3, ch, cw], 'cpu');
    expect(maxAbs(r.data!, cropHWC(whole.data, 3, cw, ch, w, h))).toBeLessThanOrEqual(1e-4);
  });

  it('refuses a tile too small for the halo, saying what would work', async () => {
    const img = noiseImage(50, 50, 3);
    await expect(engine.enhance({ modelId: 'tiny-unet-x1', input: { kind: 'memory', data: img, widthPx: 50, heightPx: 50, channels: 3 }, output: { kind: 'memory' }, tileSizePx: 40 })).rejects.toThrow(/at least 52 px/);
  });

  it('refuses an image with the wrong number of channels', async () => {
    await expect(engine.enhance({ modelId: 'tiny-unet-x1', input: { kind: 'memory', data: new Float32Array(100), widthPx: 10, heightPx: 10, channels: 1 }, output: { kind: 'memory' } })).rejects.toThrow(/takes 3 channels \(R, G, B\); the image has 1/);
  });
});

describe('files in, files out', () => {
  it('decodes an 8-bit PNG, writes raw float32 with a header carrying provenance', async () => {
    const w = 67;
    const h = 45;
    const img = noiseImage(w, h, 3, 9);
    const png = path.join(tmp, 'in.png');
    await sharp(Buffer.from(Uint8Array.from(img)), { raw: { width: w, height: h, channels: 3 } }).png().toFile(png);
    const out = path.join(tmp, 'out.f32');
    const events: string[] = [];
    const result = await engine.enhance(
      { modelId: 'tiny-sr-x2', input: { kind: 'file', path: png }, output: { kind: 'file', path: out }, tileSizePx: 32, tempDir: tmp },
      { onProgress: (e) => events.push(`${e.stage}:${e.done}/${e.total}`) },
    );
    const header = JSON.parse(await readFile(`${out}.json`, 'utf8'));
    expect(header).toMatchObject({ format: 'lucida-raw', widthPx: 134, heightPx: 90, channels: 3, dtype: 'float32', layout: 'HWC' });
    expect(header.provenance).toEqual(result.provenance);
    const bytes = await readFile(out);
    expect(bytes.byteLength).toBe(134 * 90 * 3 * 4);
    const memory = await engine.enhance({ modelId: 'tiny-sr-x2', input: { kind: 'memory', data: img, widthPx: w, heightPx: h, channels: 3 }, output: { kind: 'memory' }, tileSizePx: 32 });
    expect(maxAbs(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), memory.data!)).toBe(0);
    const { manifest } = await readManifest(path.join(FIXTURES, 'tiny-sr-x2'));
    expect(result.provenance).toMatchObject({ modelId: 'tiny-sr-x2', modelVersion: '0.0.1', weightsSha256: manifest.sha256, executionProvider: 'cpu', tileSize: 32, tileHalo: 8 });
    expect(result.provenance.durationMs).toBeGreaterThan(0);
    expect(events[0]).toBe('loading:0/1');
    expect(events.at(-1)).toBe(`tiles:${result.tiles}/${result.tiles}`);
    // No decoded temp file is left behind.
    const left = (await import('node:fs')).readdirSync(tmp).filter((f) => f.startsWith('lucida-decode-'));
    expect(left).toEqual([]);
  });

  it('leaves no partial output when cancelled, and says it was cancelled', async () => {
    const controller = new AbortController();
    const out = path.join(tmp, 'cancelled.f32');
    const w = 400;
    const h = 300;
    let tilesSeen = 0;
    const run = engine.enhance(
      { modelId: 'tiny-sr-x2', input: { kind: 'memory', data: noiseImage(w, h, 3), widthPx: w, heightPx: h, channels: 3 }, output: { kind: 'file', path: out }, tileSizePx: 32 },
      {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage === 'tiles') {
            tilesSeen = e.done;
            if (e.done === 3) controller.abort();
          }
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(InferenceCancelled);
    expect(tilesSeen).toBeLessThan(10);
    const fs = await import('node:fs');
    expect(fs.existsSync(out) || fs.existsSync(`${out}.part`) || fs.existsSync(`${out}.json`)).toBe(false);
  });
});

describe('model packages', () => {
  async function copyFixture(id: string, newId: string, edit: (m: Record<string, unknown>) => Record<string, unknown>) {
    const dir = path.join(tmp, 'pkgs', newId);
    await cp(path.join(FIXTURES, id), dir, { recursive: true });
    const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(edit({ ...m, id: newId })));
    return dir;
  }

  it('accepts the fixtures and reports how well they reproduce their test tensors', async () => {
    for (const id of ['tiny-unet-x1', 'tiny-sr-x2']) {
      const r = await engine.validateModelPackage(path.join(FIXTURES, id));
      expect(r).toMatchObject({ valid: true, id });
      if (r.valid) expect(r.maxAbsDiff).toBeLessThan(1e-5);
    }
  });

  it('refuses weights whose sha256 differs from the manifest', async () => {
    const dir = await copyFixture('tiny-unet-x1', 'tampered', (m) => m);
    const onnx = await readFile(path.join(dir, 'model.onnx'));
    onnx[onnx.length - 5] ^= 0x01;
    await writeFile(path.join(dir, 'model.onnx'), onnx);
    const r = await engine.validateModelPackage(dir);
    expect(r).toMatchObject({ valid: false, reason: 'hash-mismatch' });
    if (!r.valid) expect(r.message).toMatch(/do not match its manifest.*Reinstall/);
    // The engine refuses it at load too, not only at import.
    const e = new InferenceEngine({ modelRoots: [path.join(tmp, 'pkgs')], ladder: cpuOnly });
    await expect(e.enhance({ modelId: 'tampered', input: { kind: 'memory', data: new Float32Array(48), widthPx: 4, heightPx: 4, channels: 3 }, output: { kind: 'memory' } })).rejects.toThrow(/sha256/);
    await e.close();
  });

  it('refuses a model whose channels do not fit the manifest', async () => {
    const dir = await copyFixture('tiny-unet-x1', 'wrong-channels', (m) => ({ ...m, input: { ...(m.input as object), channels: ['grey'] }, output: { name: 'output', channels: [{ name: 'grey', meaning: 'x' }] } }));
    const r = await engine.validateModelPackage(dir);
    expect(r).toMatchObject({ valid: false, reason: 'wrong-shape' });
    if (!r.valid) expect(r.message).toMatch(/N×1×H×W|takes 3 input channels/);
  });

  it('refuses a model whose graph takes other channels than its test tensors say (wrong-shape model)', async () => {
    // Test tensors rewritten to 1 channel, manifest to 1 channel: only the ONNX graph still says 3.
    const dir = await copyFixture('tiny-unet-x1', 'graph-mismatch', (m) => ({ ...m, input: { ...(m.input as object), channels: ['grey'] }, output: { name: 'output', channels: [{ name: 'grey', meaning: 'x' }] } }));
    for (const f of ['input.npy', 'output.npy']) {
      const a = parseNpy(new Uint8Array(await readFile(path.join(dir, f))));
      const plane = a.shape[2] * a.shape[3];
      await writeFile(path.join(dir, f), encodeNpy({ shape: [1, 1, a.shape[2], a.shape[3]], data: a.data.slice(0, plane) }));
    }
    const r = await engine.validateModelPackage(dir);
    expect(r).toMatchObject({ valid: false, reason: 'wrong-shape' });
    if (!r.valid) expect(r.message).toMatch(/takes 3 input channels; the manifest lists 1/);
  });

  it('refuses a wrong output name, a missing file and bad JSON with messages that say which', async () => {
    const badName = await copyFixture('tiny-sr-x2', 'bad-name', (m) => ({ ...m, output: { ...(m.output as object), name: 'enhanced' } }));
    const r1 = await engine.validateModelPackage(badName);
    expect(r1).toMatchObject({ valid: false, reason: 'wrong-shape' });
    if (!r1.valid) expect(r1.message).toMatch(/outputs output; the manifest names enhanced/);

    const missing = await copyFixture('tiny-sr-x2', 'missing', (m) => m);
    await rm(path.join(missing, 'output.npy'));
    const r2 = await engine.validateModelPackage(missing);
    expect(r2).toMatchObject({ valid: false, reason: 'missing-file' });
    if (!r2.valid) expect(r2.message).toMatch(/output\.npy/);

    const badJson = path.join(tmp, 'pkgs', 'bad-json');
    await cp(path.join(FIXTURES, 'tiny-sr-x2'), badJson, { recursive: true });
    await writeFile(path.join(badJson, 'manifest.json'), '{"id": "x",');
    expect(await engine.validateModelPackage(badJson)).toMatchObject({ valid: false, reason: 'bad-json' });

    const badManifest = await copyFixture('tiny-sr-x2', 'bad-manifest', (m) => ({ ...m, scale: 0, tile: { size: 64 } }));
    const r4 = await engine.validateModelPackage(badManifest);
    expect(r4).toMatchObject({ valid: false, reason: 'bad-manifest' });
    if (!r4.valid) expect(r4.message).toMatch(/scale/);
  });

  it('refuses a model that does not reproduce its test output', async () => {
    const dir = await copyFixture('tiny-sr-x2', 'drifted', (m) => m);
    const a = parseNpy(new Uint8Array(await readFile(path.join(dir, 'output.npy'))));
    a.data[10] += 0.01;
    await writeFile(path.join(dir, 'output.npy'), encodeNpy(a));
    const r = await engine.validateModelPackage(dir);
    expect(r).toMatchObject({ valid: false, reason: 'test-mismatch' });
    if (!r.valid) expect(r.message).toMatch(/1\.00e-2/);
  });
});

it('onnxruntime sees the fixtures as dynamic-size NCHW models', async () => {
  const s = await ort.InferenceSession.create(path.join(FIXTURES, 'tiny-unet-x1', 'model.onnx'));
  expect(s.inputNames).toEqual(['input']);
  await s.release();
});
