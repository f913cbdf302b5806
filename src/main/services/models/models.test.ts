import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir, write } from '../library/testing';
import { listModels } from './models';

let resources: string;
let logged: string[];
const log = (m: string) => logged.push(m);
beforeEach(() => {
  resources = tempDir();
  logged = [];
});
afterEach(() => removeDir(resources));

function addModel(id: string, manifest: unknown, files: Record<string, string> = { 'model.onnx': 'onnx-bytes', 'MODEL_CARD.md': `# ${id}\n` }) {
  const dir = path.join(resources, 'models', id);
  fs.mkdirSync(dir, { recursive: true });
  write(dir, 'manifest.json', typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  for (const [name, data] of Object.entries(files)) write(dir, name, data);
}

const good = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  version: '1.2.0',
  task: 'brightfield-enhance',
  sha256: 'ab'.repeat(32),
  scale: 2,
  tile: { size: 256, halo: 16 },
  metrics: { psnrDb: 31.2 },
  ...extra,
});

describe('listModels', () => {
  it('returns nothing when no models folder exists yet', () => {
    expect(listModels(path.join(resources, 'nope'), log)).toEqual([]);
  });

  it('lists a model with its card, size, metrics and the full manifest', () => {
    addModel('unet-he', good('unet-he'));
    const [model] = listModels(resources, log);
    expect(model).toMatchObject({ id: 'unet-he', version: '1.2.0', task: 'brightfield-enhance', sha256: 'ab'.repeat(32), scale: 2, sizeBytes: 10, card: '# unet-he\n', metrics: { psnrDb: 31.2 } });
    expect(model.manifest.tile).toEqual({ size: 256, halo: 16 });
    expect(logged).toEqual([]);
  });

  it('skips broken packages with a logged reason and keeps the good ones', () => {
    addModel('a-good', good('a-good'));
    addModel('b-not-json', '{ nope');
    addModel('c-no-sha', good('c-no-sha', { sha256: 'xyz' }));
    addModel('d-no-weights', good('d-no-weights'), {});
    addModel('e-escape', good('e-escape', { file: '../a-good/model.onnx' }));
    fs.mkdirSync(path.join(resources, 'models', 'f-empty'));
    expect(listModels(resources, log).map((m) => m.id)).toEqual(['a-good']);
    expect(logged).toHaveLength(5);
    expect(logged.join('\n')).toMatch(/b-not-json: manifest.json is not valid JSON/);
    expect(logged.join('\n')).toMatch(/c-no-sha: manifest.json: sha256/);
    expect(logged.join('\n')).toMatch(/d-no-weights: model.onnx is missing/);
    expect(logged.join('\n')).toMatch(/e-escape: file points outside/);
    expect(logged.join('\n')).toMatch(/f-empty: no manifest.json/);
  });

  it('defaults scale to 1 and a missing card to empty text', () => {
    const { scale: _scale, ...noScale } = good('plain');
    addModel('plain', noScale, { 'model.onnx': 'x' });
    expect(listModels(resources, log)[0]).toMatchObject({ scale: 1, card: '' });
  });

  it('reads the repository fixture models, when present', () => {
    const fixtures = path.resolve(__dirname, '../../../../test-fixtures');
    if (!fs.existsSync(path.join(fixtures, 'models'))) return;
    const models = listModels(fixtures, log);
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['tiny-sr-x2', 'tiny-unet-x1']));
    expect(models.find((m) => m.id === 'tiny-sr-x2')?.scale).toBe(2);
  });
});
