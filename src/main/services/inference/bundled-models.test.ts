import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { canvasSize, reflectIndex } from '../../../shared/tiling';
import { InferenceEngine } from './engine';

/** Every model shipped in resources/models must pass the same check a user's import gets. */
const ROOT = path.resolve(__dirname, '../../../../resources/models');
const bundled = existsSync(ROOT) ? readdirSync(ROOT).filter((d) => existsSync(path.join(ROOT, d, 'manifest.json'))) : [];
const engine = new InferenceEngine({ modelRoots: [ROOT], ladder: { platform: process.platform, arch: process.arch, backends: [{ name: 'cpu', bundled: true }], bindingDir: null } });
afterAll(() => engine.close());

describe('bundled models', () => {
  it('are present (the app ships three)', () => {
    expect(bundled.sort()).toEqual(['lucida-bf-sr2', 'lucida-holo-phase', 'lucida-phone-enhance']);
  });

  it.each(bundled)('%s validates: manifest, weights sha256, shapes, test tensor on the CPU', async (id) => {
    const result = await engine.validateModelPackage(path.join(ROOT, id));
    if (!result.valid) throw new Error(result.message);
    expect(result.id).toBe(id);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(result.tolerance);
    // The plan must leave a core: tile ≥ 2·halo + multiple.
    const { tile } = result.manifest;
    expect(tile.size).toBeGreaterThanOrEqual(2 * Math.ceil(tile.halo / tile.multiple) * tile.multiple + tile.multiple);
  }, 120_000);
});

describe('bundled models, tiled with their own manifest', () => {
  it.each(bundled)('%s: tiled output equals untiled within 1e-4 on an image a little over one tile', async (id) => {
    const { manifest } = (await engine.validateModelPackage(path.join(ROOT, id))) as { manifest: import('./manifest').ModelManifest };
    const m = manifest;
    const c = m.input.channels.length;
    const core = m.tile.size - 2 * m.tile.halo;
    const w = m.tile.size + Math.floor(core / 2) + 3; // two columns of tiles and an odd width
    const h = m.tile.size + Math.floor(core / 3) + 1;
    const img = new Float32Array(w * h * c);
    let s = 99;
    const scale = m.input.normalisation.kind === 'scale' ? m.input.normalisation.divisor : 1;
    for (let i = 0; i < img.length; i++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      // Smooth structure plus noise, in the image's own units.
      const x = Math.floor(i / c) % w;
      const y = Math.floor(i / c / w);
      const v = 0.5 + 0.3 * Math.sin(x / 9) * Math.cos(y / 13) + 0.1 * ((s >>> 24) / 255 - 0.5);
      img[i] = scale === 1 ? v * 2 - 1 : v * scale;
    }
    const tiled = await engine.enhance({ modelId: id, input: { kind: 'memory', data: img, widthPx: w, heightPx: h, channels: c }, output: { kind: 'memory' }, provider: 'cpu' });
    expect(tiled.tiles).toBeGreaterThanOrEqual(4);
    const cw = canvasSize(w, m.tile.multiple);
    const ch = canvasSize(h, m.tile.multiple);
    const t = new Float32Array(c * cw * ch);
    for (let k = 0; k < c; k++) for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) t[k * cw * ch + y * cw + x] = img[(reflectIndex(y, h) * w + reflectIndex(x, w)) * c + k] / scale;
    const whole = await engine.runTensor(id, t, [1, c, ch, cw], 'cpu');
    const oc = m.output.channels.length;
    const s2 = m.scale;
    let diff = 0;
    for (let y = 0; y < h * s2; y++)
      for (let x = 0; x < w * s2; x++)
        for (let k = 0; k < oc; k++) diff = Math.max(diff, Math.abs(tiled.data![(y * w * s2 + x) * oc + k] - whole.data[k * cw * s2 * ch * s2 + y * cw * s2 + x]));
    console.log(`${id}: ${w}×${h}, ${tiled.tiles} tiles of ${m.tile.size} px, halo ${m.tile.halo}: max |tiled − untiled| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
  }, 300_000);
});

/**
 * The GPU code path must give the CPU's answer. WebGPU is bundled with onnxruntime-node; on a machine without a
 * GPU it runs on Mesa's lavapipe Vulkan driver (installed by .ci/run), which is slow but executes the same shaders.
 */
describe('bundled models on WebGPU', () => {
  process.env.XDG_RUNTIME_DIR ??= path.join(os.tmpdir(), 'lucida-xdg');
  mkdirSync(process.env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  const gpuEngine = new InferenceEngine({
    modelRoots: [ROOT],
    ladder: { platform: process.platform, arch: process.arch, backends: ort.listSupportedBackends(), bindingDir: null },
  });
  afterAll(() => gpuEngine.close());

  it.each(bundled)('%s gives the CPU output on WebGPU within its parityTolerance (test tensor)', async (id) => {
    const report = await gpuEngine.gpuCheck(id);
    const webgpu = report.providers.find((p) => p.provider === 'webgpu');
    expect(webgpu?.status, `WebGPU did not run: ${webgpu?.reason}`).toMatch(/^(active|available)$/);
    const parity = report.parity.find((p) => p.provider === 'webgpu');
    expect(parity).toBeDefined();
    console.log(`${id}: WebGPU vs CPU on the test tensor, max |Δ| = ${parity!.maxAbsDiffVsCpu?.toExponential(2)} (tolerance ${parity!.tolerance})`);
    expect(parity!.maxAbsDiffVsCpu).not.toBeNull();
    expect(parity!.maxAbsDiffVsCpu!).toBeLessThanOrEqual(parity!.tolerance);
    expect(parity!.pass).toBe(true);
  }, 300_000);
});

describe('no seams on a flat field', () => {
  it('lucida-bf-sr2: away from the image border, no step between neighbouring output row or column means of a flat input (tile borders included)', async () => {
    const w = 560;
    const h = 530;
    const c = 3;
    const img = new Float32Array(w * h * c).fill(0.62 * 255);
    const result = await engine.enhance({ modelId: 'lucida-bf-sr2', input: { kind: 'memory', data: img, widthPx: w, heightPx: h, channels: c }, output: { kind: 'memory' }, provider: 'cpu' });
    expect(result.tiles).toBeGreaterThanOrEqual(4);
    const ow = w * 2;
    const oh = h * 2;
    const out = result.data!;
    // The network sees zero padding at the image border, so the border band (twice the receptive radius) differs;
    // everywhere else a flat field must give a flat answer, whatever tile a pixel came from.
    const margin = 2 * 2 * 16;
    const rowMeans: number[] = [];
    for (let y = margin; y < oh - margin; y++) {
      let sum = 0;
      for (let x = margin; x < ow - margin; x++) for (let k = 0; k < c; k++) sum += out[(y * ow + x) * c + k];
      rowMeans.push(sum / ((ow - 2 * margin) * c));
    }
    const colMeans: number[] = [];
    for (let x = margin; x < ow - margin; x++) {
      let sum = 0;
      for (let y = margin; y < oh - margin; y++) for (let k = 0; k < c; k++) sum += out[(y * ow + x) * c + k];
      colMeans.push(sum / ((oh - 2 * margin) * c));
    }
    // A seam is a step between rows (columns) of the same sub-pixel phase: a ×2 network answers a flat field with
    // a faint period-2 pattern (one value per output phase), which is the model's own and not a tiling artefact.
    // The largest step anywhere must stay below 1e-4 of the 0–1 output range, far under one 8-bit level (3.9e-3).
    const largestStep = (v: number[]) => v.slice(2).reduce((m, x, i) => Math.max(m, Math.abs(x - v[i]!)), 0);
    console.log(`flat field through ${result.tiles} tiles: largest step between row means ${largestStep(rowMeans).toExponential(2)}, between column means ${largestStep(colMeans).toExponential(2)}`);
    expect(largestStep(rowMeans)).toBeLessThanOrEqual(1e-4);
    expect(largestStep(colMeans)).toBeLessThanOrEqual(1e-4);
  }, 300_000);
});
