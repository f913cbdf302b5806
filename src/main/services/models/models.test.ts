import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir, write } from '../library/testing';
import { listModels } from './models';
import { validManifest } from './testing';

let resources: string;
let logged: string[];
const log = (m: string) => logged.push(m);
beforeEach(() => {
  resources = tempDir();
  logged = [];
});
afterEach(() => removeDir(resources));

const FILES = { 'model.onnx': 'onnx-bytes', 'input.npy': 'i', 'output.npy': 'o' };

function addModel(folder: string, manifest: unknown, files: Record<string, string> = { ...FILES, 'MODEL_CARD.md': `# ${folder}\n` }) {
  const dir = path.join(resources, 'models', folder);
  fs.mkdirSync(dir, { recursive: true });
  write(dir, 'manifest.json', typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  for (const [name, data] of Object.entries(files)) write(dir, name, data);
}

describe('listModels', () => {
  it('returns nothing when no models folder exists yet', async () => {
    expect(await listModels(path.join(resources, 'nope'), log)).toEqual([]);
  });

  it('lists a model with its card, size, metrics and the full manifest', async () => {
    addModel('sr-x2', validManifest('sr-x2'));
    const [model] = await listModels(resources, log);
    expect(model).toMatchObject({ id: 'sr-x2', version: '1.2.0', task: 'brightfield-sr', sha256: 'ab'.repeat(32), scale: 2, sizeBytes: 10, card: '# sr-x2\n', metrics: { psnrDb: 31.2 } });
    expect(model.manifest.tile).toEqual({ size: 256, halo: 16, multiple: 8 });
    expect(logged).toEqual([]);
  });

  it('skips broken packages with a logged reason and keeps the good ones', async () => {
    addModel('a-good', validManifest('a-good'));
    addModel('b-not-json', '{ nope');
    addModel('c-no-sha', validManifest('c-no-sha', { sha256: 'xyz' }));
    addModel('d-no-weights', validManifest('d-no-weights'), {});
    addModel('e-escape', validManifest('e-escape', { file: '../a-good/model.onnx' }));
    addModel('f-dup', validManifest('a-good'));
    fs.mkdirSync(path.join(resources, 'models', 'g-empty'));
    expect((await listModels(resources, log)).map((m) => m.id)).toEqual(['a-good']);
    const text = logged.join('\n');
    expect(logged).toHaveLength(6);
    expect(text).toMatch(/b-not-json: .*not valid JSON/);
    expect(text).toMatch(/c-no-sha: .*sha256/);
    expect(text).toMatch(/d-no-weights: .*no such file/);
    expect(text).toMatch(/e-escape: .*next to it/);
    expect(text).toMatch(/f-dup: another folder already provides model “a-good”/);
    expect(text).toMatch(/g-empty: .*no readable manifest.json/);
  });

  it('lists a model without a card, with empty card text', async () => {
    addModel('plain', validManifest('plain'), FILES);
    expect((await listModels(resources, log))[0]).toMatchObject({ card: '' });
  });

  it('reads the repository fixture models, when present', async () => {
    const fixtures = path.resolve(__dirname, '../../../../test-fixtures');
    if (!fs.existsSync(path.join(fixtures, 'models'))) return;
    const models = await listModels(fixtures, log);
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['tiny-sr-x2', 'tiny-unet-x1']));
    expect(models.find((m) => m.id === 'tiny-sr-x2')?.scale).toBe(2);
  });
});
