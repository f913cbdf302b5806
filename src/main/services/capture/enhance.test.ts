import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveFrameHeader } from '../../../shared/contract';
import { createServices, type Services } from '..';
import type { InferenceClient } from '../inference';
import { removeDir, tempDir } from '../library/testing';

let root: string;
let services: Services;
const runs: number[][] = [];

/** A stand-in inference host: ×2 nearest-neighbour "super-resolution" that takes 150 ms per run. */
const slowModel = {
  async runTensor(_modelId: string, data: Float32Array, dims: number[]) {
    runs.push(dims);
    await new Promise((r) => setTimeout(r, 150));
    const [, c, h, w] = dims as [number, number, number, number];
    const out = new Float32Array(c * h * 2 * w * 2);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < 2 * h; y++) for (let x = 0; x < 2 * w; x++) out[(ch * 2 * h + y) * 2 * w + x] = data[(ch * h + (y >> 1)) * w + (x >> 1)]!;
    return { data: out, dims: [1, c, 2 * h, 2 * w], provider: 'cpu' };
  },
} as unknown as InferenceClient;

beforeAll(() => {
  root = tempDir('lucida-enhance-');
  const modelDir = path.join(root, 'resources', 'models', 'live-sr2');
  fs.mkdirSync(modelDir, { recursive: true });
  fs.writeFileSync(
    path.join(modelDir, 'manifest.json'),
    JSON.stringify({ id: 'live-sr2', version: '0.1.0', scale: 2, input: { channels: ['R', 'G', 'B'], normalisation: { kind: 'scale', divisor: 255 } } }),
  );
  services = createServices({ libraryDir: path.join(root, 'library'), resourcesDir: path.join(root, 'resources'), host: 'browser', appVersion: '0', emit: () => undefined, log: () => undefined, inference: slowModel });
});
afterAll(async () => {
  await services.close();
  removeDir(root);
});

describe('live enhancement', () => {
  it('runs the model on the newest frame beside the raw view, which keeps its own rate', async () => {
    const raw: LiveFrameHeader[] = [];
    const enhanced: LiveFrameHeader[] = [];
    const detach = services.capture.live.attach({ ready: () => true, send: (h) => (h.enhanced ? enhanced : raw).push(h) });
    await services.handlers['capture.start']({ sourceId: 'simulated', mode: { widthPx: 320, heightPx: 240, fps: 30 } });
    const state = await services.handlers['capture.enhance']({ enabled: true, modelId: 'live-sr2', regionPx: 64 });
    expect(state).toMatchObject({ enabled: true, available: true, modelId: 'live-sr2', regionPx: 64 });
    await new Promise((r) => setTimeout(r, 1500));
    await services.handlers['capture.enhance']({ enabled: false });
    detach();
    expect(enhanced.length).toBeGreaterThanOrEqual(3);
    // One run at a time at ~150 ms each, while the raw view went on at the camera's rate.
    expect(raw.length).toBeGreaterThan(2 * enhanced.length);
    expect(runs.every((d) => d.join() === '1,3,64,64')).toBe(true);
    expect(enhanced[0]!.enhanced).toMatchObject({ modelId: 'live-sr2', modelVersion: '0.1.0', executionProvider: 'cpu', scale: 2, region: { xPx: 128, yPx: 88, widthPx: 64, heightPx: 64 } });
    expect(enhanced[0]!).toMatchObject({ widthPx: 128, heightPx: 128 });
    await services.handlers['capture.stop']({});
  });

  it('says why when the model is unknown or needs image statistics', async () => {
    await expect(services.handlers['capture.enhance']({ enabled: true, modelId: 'nope' })).rejects.toThrow(/no model “nope”/);
  });
});
