/**
 * A capture that went bad on disk (truncated, or not an image at all) must stop an enhancement with a message a
 * person can read, and leave no output file behind.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine } from './engine';

const FIXTURES = path.resolve(__dirname, '../../../../test-fixtures/models');
const cpuOnly = { platform: process.platform, arch: process.arch, backends: [{ name: 'cpu', bundled: true }], bindingDir: null };

let engine: InferenceEngine;
let tmp: string;
beforeAll(async () => {
  engine = new InferenceEngine({ modelRoots: [FIXTURES], ladder: cpuOnly });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lucida-corrupt-'));
});
afterAll(async () => {
  await engine.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('enhancing a corrupt capture file', () => {
  it.each([
    ['truncated PNG', async (file: string) => {
      const png = await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();
      await writeFile(file, png.subarray(0, Math.floor(png.length / 2)));
    }],
    ['text file named .png', async (file: string) => writeFile(file, 'not an image at all\n')],
    ['empty file', async (file: string) => writeFile(file, '')],
  ])('%s: rejects with a readable message and writes no output', async (label, make) => {
    const input = path.join(tmp, `${label.replace(/\W+/g, '-')}.png`);
    await make(input);
    const outDir = path.join(tmp, `out-${label.replace(/\W+/g, '-')}`);
    const output = path.join(outDir, 'result.f32');
    const run = engine.enhance({ modelId: 'tiny-sr-x2', input: { kind: 'file', path: input }, output: { kind: 'file', path: output }, provider: 'cpu', tempDir: tmp });
    const error = await run.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error, "the run should fail").not.toBeNull();
    expect(error!.message).toContain(path.basename(input));
    expect(error!.message).toMatch(/could not be (read as an image|decoded)/);
    expect(error!.message).not.toMatch(/^\s*at /m); // a sentence, not a stack
    expect(error!.message.length).toBeLessThan(400);
    expect(existsSync(output)).toBe(false);
    const left = existsSync(outDir) ? await readdir(outDir) : [];
    expect(left.filter((f) => f.startsWith('result'))).toEqual([]);
  }, 60_000);
});
