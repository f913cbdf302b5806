import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope, JobProgress } from '../../../shared/contract';
import type { Dispatch } from '../../rpc';
import type { Services } from '..';
import { servicesForTest } from '../testing';
import { openLibrary } from '../library/library';
import { pngRgb8, removeDir, tempDir, write } from '../library/testing';
import { validManifest } from '../models/testing';
import { fakeInferenceClient } from './testing';
import { inferenceHostEnv } from './hosting';

let root: string;
let libraryDir: string;
let services: Services;
let dispatch: Dispatch;
const events: JobProgress[] = [];
const failing = new Set<string>();
const client = fakeInferenceClient({ fail: (p) => failing.has(p), delayMs: 5 });

function modelPackage(dir: string, id: string, task: string, clip?: [number, number]) {
  fs.mkdirSync(dir, { recursive: true });
  write(dir, 'manifest.json', JSON.stringify(validManifest(id, { task, output: { name: 'output', channels: [{ name: 'R', meaning: 'R' }], ...(clip ? { clip } : {}) } })));
  for (const f of ['model.onnx', 'input.npy', 'output.npy']) write(dir, f, 'x');
}

beforeAll(() => {
  root = tempDir();
  libraryDir = path.join(root, 'library');
  modelPackage(path.join(root, 'resources', 'models', 'bf'), 'bf', 'brightfield-sr', [0, 1]);
  modelPackage(path.join(root, 'resources', 'models', 'holo'), 'holo', 'holo-phase-recovery');
  ({ services, dispatch } = servicesForTest(root, { progress: events, inference: client }));
});
afterAll(async () => {
  await services.close();
  removeDir(root);
});

async function ok<T>(channel: string, payload: unknown): Promise<T> {
  const e = (await dispatch(channel, payload)) as Envelope<T>;
  if (!e.ok) throw new Error(`${channel}: ${e.error.code} ${e.error.message}`);
  return e.value;
}
const lastOf = (jobId: string) => events.filter((e) => e.jobId === jobId).at(-1);

async function sessionWith(modality: string, names: string[]): Promise<{ sessionId: number; captureIds: number[] }> {
  const { id } = await ok<{ id: number }>('sessions.create', { title: modality, date: '2026-11-27', modality, pixelSizeUm: 0.5 });
  const sources = [];
  for (const n of names) sources.push({ kind: 'path', path: write(root, n, await pngRgb8(8, 8)) });
  await ok('captures.import', { sessionId: id, sources });
  await services.idle();
  const captures = await ok<{ id: number }[]>('captures.list', { sessionId: id });
  return { sessionId: id, captureIds: captures.map((c) => c.id) };
}

describe('captures.enhance', () => {
  it('picks the modality\'s model, writes a float32 derivative with provenance, and the sweep keeps its header', async () => {
    const { captureIds } = await sessionWith('bright-field', ['one.png']);
    const { jobId } = await ok<{ jobId: string }>('captures.enhance', { captureId: captureIds[0], provider: 'cpu' });
    await services.idle();
    expect(lastOf(jobId)).toMatchObject({ state: 'done', done: 1000, total: 1000, kind: 'captures.enhance' });
    expect(events.filter((e) => e.jobId === jobId).length).toBeGreaterThan(3);
    const { derivatives } = await ok<{ derivatives: { kind: string; dtype: string; width: number; pixelSizeUm: number; provenance: { modelId: string; executionProvider: string; tileSize: number; tileHalo: number; weightsSha256: string }; fileUrl: string }[] }>('captures.get', { id: captureIds[0] });
    expect(derivatives).toEqual([
      expect.objectContaining({ kind: 'enhanced', dtype: 'float32', width: 16, pixelSizeUm: 0.25, provenance: expect.objectContaining({ modelId: 'bf', executionProvider: 'cpu', tileSize: 256, tileHalo: 16 }) }),
    ]);
    const rel = derivatives[0].fileUrl.replace('/library/', '');
    expect(fs.existsSync(path.join(libraryDir, `${rel}.json`))).toBe(true);
    // The viewer opens it (pyramid reads the engine's header) with the model's clip as its default window.
    expect(await ok('viewer.pyramid', { captureId: captureIds[0], derivativeId: (await ok<{ derivatives: { id: number }[] }>('captures.get', { id: captureIds[0] })).derivatives[0].id })).toMatchObject({
      width: 16, sampleFormat: 'float', display: { window: [0, 1] },
    });
    // A second process opening the library (the sweep runs) keeps the data file and its header.
    const lock = path.join(libraryDir, '.lucida.lock');
    const holder = fs.readFileSync(lock, 'utf8');
    fs.rmSync(lock);
    const again = openLibrary(libraryDir);
    try {
      expect(again.sweepReport.skipped).toBe(false);
      expect(again.sweepReport.removed).toEqual([]);
    } finally {
      again.close();
      fs.writeFileSync(lock, holder);
    }
    expect(fs.existsSync(path.join(libraryDir, rel))).toBe(true);
    expect(fs.existsSync(path.join(libraryDir, `${rel}.json`))).toBe(true);
  });

  it('refuses holograms, unknown models and unknown captures before a job exists', async () => {
    const { captureIds } = await sessionWith('hologram', ['h.png']);
    expect(await dispatch('captures.enhance', { captureId: captureIds[0] })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/Holography/) } });
    expect(await dispatch('captures.enhance', { captureId: captureIds[0], modelId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('captures.enhance', { captureId: 999_999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('captures.enhance', { captureId: captureIds[0], provider: 'tpu' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('cancels between tiles and saves nothing', async () => {
    const { captureIds } = await sessionWith('bright-field', ['cancel.png']);
    const { jobId } = await ok<{ jobId: string }>('captures.enhance', { captureId: captureIds[0] });
    expect(await ok('jobs.cancel', { jobId })).toEqual({ cancelled: true });
    await services.idle();
    expect(lastOf(jobId)).toMatchObject({ state: 'cancelled' });
    expect((await ok<{ derivatives: unknown[] }>('captures.get', { id: captureIds[0] })).derivatives).toEqual([]);
    expect(fs.readdirSync(path.join(libraryDir, 'derived', `c${captureIds[0]}`))).toEqual([]);
  });
});

describe('sessions.enhanceAll', () => {
  it('runs one job over every capture, lists failures per capture and carries on', async () => {
    const { sessionId, captureIds } = await sessionWith('bright-field', ['a.png', 'bad.png', 'c.png']);
    const bad = (await ok<{ capture: { fileUrl: string } }>('captures.get', { id: captureIds[1] })).capture.fileUrl.replace('/library/', '');
    failing.add(path.join(libraryDir, ...bad.split('/')));
    const { jobId } = await ok<{ jobId: string }>('sessions.enhanceAll', { sessionId });
    await services.idle();
    const last = lastOf(jobId)!;
    expect(last).toMatchObject({ state: 'done', done: 3000, total: 3000, kind: 'sessions.enhanceAll' });
    expect(last.failures).toEqual([{ name: 'bad.png', message: expect.stringMatching(/too small/) }]);
    const counts = await Promise.all(captureIds.map(async (id) => (await ok<{ derivatives: unknown[] }>('captures.get', { id })).derivatives.length));
    expect(counts).toEqual([1, 0, 1]);
  });

  it('stops after the current capture when cancelled', async () => {
    const { sessionId, captureIds } = await sessionWith('bright-field', ['s1.png', 's2.png', 's3.png']);
    const { jobId } = await ok<{ jobId: string }>('sessions.enhanceAll', { sessionId });
    await new Promise((r) => setTimeout(r, 5));
    expect(await ok('jobs.cancel', { jobId })).toEqual({ cancelled: true });
    await services.idle();
    expect(lastOf(jobId)).toMatchObject({ state: 'cancelled' });
    const counts = await Promise.all(captureIds.map(async (id) => (await ok<{ derivatives: unknown[] }>('captures.get', { id })).derivatives.length));
    expect(counts).toEqual([1, 0, 0]);
  });
});

describe('models', () => {
  it('gpuCheck reports providers and parity; import validates, copies into the library and lists it', async () => {
    expect(await ok('models.gpuCheck', { modelId: 'bf' })).toMatchObject({ providers: expect.arrayContaining([expect.objectContaining({ provider: 'cpu', status: 'active' })]), parity: [{ pass: true }] });
    expect(await dispatch('models.gpuCheck', { modelId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const pkg = path.join(root, 'mine');
    modelPackage(pkg, 'mine', 'brightfield-sr');
    expect(await ok('models.import', { path: pkg })).toEqual({ id: 'mine' });
    expect(fs.existsSync(path.join(libraryDir, 'models', 'mine', 'manifest.json'))).toBe(true);
    expect((await ok<{ id: string }[]>('models.list', {})).map((m) => m.id)).toEqual(['bf', 'holo', 'mine']);
    expect(await dispatch('models.import', { path: pkg })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await dispatch('models.import', { path: path.join(root, 'missing') })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('models.import', { path: path.join(root, 'one.png') })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    fs.mkdirSync(path.join(root, 'empty'));
    expect(await dispatch('models.import', { path: path.join(root, 'empty') })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/Not imported/) } });
  });

  it('gives the inference host a runtime dir for WebGPU on Linux when none is set', () => {
    const env = inferenceHostEnv({ PATH: '/bin' }, 'linux');
    expect(env.XDG_RUNTIME_DIR && fs.statSync(env.XDG_RUNTIME_DIR).isDirectory()).toBe(true);
    expect(inferenceHostEnv({ XDG_RUNTIME_DIR: '/run/user/1' }, 'linux').XDG_RUNTIME_DIR).toBe('/run/user/1');
    expect(inferenceHostEnv({}, 'win32').XDG_RUNTIME_DIR).toBeUndefined();
    fs.rmSync(env.XDG_RUNTIME_DIR!, { recursive: true });
  });
});
