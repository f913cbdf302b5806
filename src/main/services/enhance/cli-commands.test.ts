import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir, write } from '../library/testing';
import { runCliInference } from './cli-commands';
import { fakeInferenceClient } from './testing';

const root = tempDir();
afterAll(() => removeDir(root));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('lucida enhance / gpu-check (command line)', () => {
  it('enhances several inputs into one folder with progress, and refuses missing files and bad usage readably', async () => {
    const client = fakeInferenceClient();
    const a = write(root, 'a.png', 'x');
    const b = write(root, 'b.png', 'x');
    const t = io();
    expect(await runCliInference('enhance', [a, b, '--model', 'bf', '--out', path.join(root, 'out'), '--provider', 'cpu'], () => client, t.io)).toBe(0);
    expect(fs.readdirSync(path.join(root, 'out')).sort()).toEqual(['a.bf.f32', 'a.bf.f32.json', 'b.bf.f32', 'b.bf.f32.json']);
    expect(t.err.join('\n')).toMatch(/100% \(4\/4 tiles\)/);
    expect(t.out.join('\n')).toMatch(/on cpu, tile 256 px, halo 16 px/);

    const missing = io();
    expect(await runCliInference('enhance', [path.join(root, 'nope.png'), '--model', 'bf'], () => client, missing.io)).toBe(1);
    expect(missing.err).toEqual([`lucida: ${path.join(root, 'nope.png')} does not exist.`]);
    const usage = io();
    expect(await runCliInference('enhance', [a], () => client, usage.io)).toBe(2);
    expect(usage.err[0]).toMatch(/Usage/);
    const bad = io();
    expect(await runCliInference('enhance', [a, '--model', 'bf', '--provider', 'tpu'], () => client, bad.io)).toBe(2);
    expect(bad.err[0]).toMatch(/Unknown provider/);
  });

  it('reports an engine error as one readable line and a non-zero exit', async () => {
    const client = fakeInferenceClient({ fail: () => true });
    const t = io();
    expect(await runCliInference('enhance', [write(root, 'c.txt', 'not an image'), '--model', 'bf'], () => client, t.io)).toBe(1);
    expect(t.err.at(-1)).toMatch(/^lucida: The image .* is too small/);
  });

  it('prints the GPU check table with parity', async () => {
    const t = io();
    expect(await runCliInference('gpu-check', ['--model', 'bf'], () => fakeInferenceClient(), t.io)).toBe(0);
    expect(t.out.join('\n')).toMatch(/parity webgpu vs cpu: max \|Δ\| 1\.00e-6 \(tolerance 0\.001\) pass/);
  });
});
