import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceClient } from './client';
import { runInferenceCommand } from './commands';
import { InferenceEngine } from './engine';

const FIXTURES = path.resolve(__dirname, '../../../../test-fixtures/models');
let engine: InferenceEngine;
let client: InferenceClient;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lucida-cmd-'));
  engine = new InferenceEngine({ modelRoots: [FIXTURES], ladder: { platform: process.platform, arch: process.arch, backends: [{ name: 'cpu', bundled: true }], bindingDir: null } });
  // The commands only need the client's surface; the engine in-process stands in for the host here
  // (client.test.ts covers the process boundary).
  client = {
    enhance: (r, c) => engine.enhance(r, c),
    gpuCheck: (id) => engine.gpuCheck(id),
    validateModelPackage: (dir) => engine.validateModelPackage(dir),
    runTensor: (id, d, dims, p) => engine.runTensor(id, d, dims, p),
    ladder: async () => engine.runtime.ladder(),
    stats: async () => ({ rssBytes: 0, maxRssBytes: 0, pid: process.pid }),
    pid: process.pid,
    starts: 1,
    close: () => engine.close(),
  };
});
afterAll(async () => {
  await engine.close();
  await rm(tmp, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('inference commands', () => {
  it('enhance writes the output and prints the provenance', async () => {
    const png = path.join(tmp, 'cells.png');
    await sharp({ create: { width: 90, height: 70, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toFile(png);
    const c = capture();
    const code = await runInferenceCommand('enhance', [png, '--model', 'tiny-sr-x2', '--tile', '32'], client, c.io);
    expect(code).toBe(0);
    const out = path.join(tmp, 'cells.tiny-sr-x2.f32');
    expect(existsSync(out)).toBe(true);
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ widthPx: 180, heightPx: 140, provenance: { modelId: 'tiny-sr-x2', executionProvider: 'cpu', tileSize: 32 } });
    expect(c.out.join('\n')).toMatch(/180×140×3 float32.*\n.*tiny-sr-x2 0\.0\.1 .* on cpu, tile 32 px, halo 8 px/);
    expect(c.err.at(-1)).toMatch(/100%/);
  });

  it('enhance refuses an unknown provider and a missing model with a usage line', async () => {
    const c = capture();
    expect(await runInferenceCommand('enhance', ['x.png', '--model', 'tiny-sr-x2', '--provider', 'gpu'], client, c.io)).toBe(2);
    expect(c.err[0]).toMatch(/Unknown provider “gpu”/);
    expect(await runInferenceCommand('enhance', ['x.png'], client, c.io)).toBe(2);
  });

  it('gpu-check lists every provider; validate-model accepts a fixture', async () => {
    const c = capture();
    expect(await runInferenceCommand('gpu-check', ['--model', 'tiny-unet-x1'], client, c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/cpu\s+active/);
    const v = capture();
    expect(await runInferenceCommand('validate-model', [path.join(FIXTURES, 'tiny-unet-x1')], client, v.io)).toBe(0);
    expect(v.out[0]).toMatch(/tiny-unet-x1 0\.0\.1 \(smartphone-enhance, ×1\) is valid/);
    expect(await runInferenceCommand('models', [], client, v.io)).toBeNull();
  });
});
