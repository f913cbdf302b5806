import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callNames, calls, type CallName, type Envelope } from '../../shared/contract';
import { createDispatcher, type Dispatch } from '../rpc';
import { createServices, type Services } from '.';
import { openCatalog } from './catalog';
import { filesUnder, pngRgb8, removeDir, tempDir, write } from './library/testing';
import { validManifest } from './models/testing';
import { fakeInferenceClient } from './enhance/testing';

let root: string;
let libraryDir: string;
let services: Services;
let dispatch: Dispatch;
const events: Array<{ event: string; payload: unknown }> = [];

beforeAll(() => {
  root = tempDir();
  libraryDir = path.join(root, 'library');
  const modelDir = path.join(root, 'resources', 'models', 'tiny');
  fs.mkdirSync(modelDir, { recursive: true });
  write(modelDir, 'manifest.json', JSON.stringify(validManifest('tiny')));
  for (const f of ['model.onnx', 'input.npy', 'output.npy']) write(modelDir, f, 'x');
  services = createServices({
    libraryDir,
    resourcesDir: path.join(root, 'resources'),
    host: 'browser',
    appVersion: '9.9.9',
    emit: (event, payload) => events.push({ event, payload }),
    log: () => undefined,
  });
  dispatch = createDispatcher(services.handlers, () => undefined);
});
afterAll(async () => {
  await services.close();
  removeDir(root);
});

async function ok<T = unknown>(channel: CallName, payload: unknown): Promise<T> {
  const envelope = (await dispatch(channel, payload)) as Envelope<T>;
  if (!envelope.ok) throw new Error(`${channel} failed: ${envelope.error.code} ${envelope.error.message}`);
  // What the handler answers must match the contract's output schema, so the renderer can trust it.
  const checked = calls[channel].output.safeParse(envelope.value);
  expect(checked.success, `${channel} output matches the contract: ${checked.success ? '' : checked.error.message}`).toBe(true);
  return envelope.value;
}

/** Everything a call could change: every catalog table and every library file. */
function snapshot(): string {
  const db = openCatalog(path.join(libraryDir, 'catalog.sqlite'));
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_index_%' ORDER BY name").pluck().all() as string[];
    const rows = Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
    return JSON.stringify({ rows, files: filesUnder(libraryDir).filter((f) => !f.startsWith('catalog.sqlite')) });
  } finally {
    db.close();
  }
}

// Payloads the contract must reject before any handler runs. Extra keys are stripped by zod, so each entry
// breaks a type, a range or a required field.
const MALFORMED: Record<CallName, unknown[]> = {
  'app.info': [null, 'info', 42],
  'specimens.list': [null, [1]],
  'specimens.create': [{}, { accessionId: '' }, { accessionId: '../etc' }, { accessionId: 'A'.repeat(65) }, { accessionId: 'OK-1', tags: 'x' }, { accessionId: 7 }],
  'specimens.update': [{ id: 0, patch: {} }, { id: 'one', patch: {} }, { id: 1 }, { id: 1, patch: { accessionId: '' } }],
  'specimens.delete': [{}, { id: -1 }, { id: 1.5 }],
  'sessions.list': [{ specimenId: 'x' }, { specimenId: 0 }],
  'sessions.get': [{}, { id: null }],
  'sessions.create': [
    {},
    { title: 'T', date: '2026-13-45', modality: 'bright-field' },
    { title: 'T', date: '04/05/2026', modality: 'bright-field' },
    { title: 'T', date: '2026-01-01', modality: 'x-ray' },
    { title: 'T', date: '2026-01-01', modality: 'hologram', numericalAperture: 2.5 },
    { title: 'T', date: '2026-01-01', modality: 'hologram', pixelSizeUm: 0 },
    { title: ' ', date: '2026-01-01', modality: 'hologram' },
  ],
  'sessions.update': [{ id: 1, patch: { pixelSizeUm: -1 } }, { id: 1, patch: { modality: 'sonar' } }, { patch: {} }],
  'sessions.delete': [{ id: 'x' }, { id: 1, confirmDeleteCaptures: 'yes' }],
  'captures.list': [{}, { sessionId: '1' }],
  'captures.get': [{ id: 0 }],
  'captures.import': [
    { sessionId: 1, sources: [] },
    { sessionId: 1 },
    { sessionId: 1, sources: [{ kind: 'url', url: 'http://x' }] },
    { sessionId: 1, sources: [{ kind: 'path', path: '' }] },
    { sessionId: 1, sources: [{ kind: 'upload', uploadId: '../../etc/passwd', name: 'x.png' }] },
  ],
  'captures.update': [{ id: 1, patch: { tags: [''] } }, { id: 1, patch: { tags: 'x' } }, { id: 1 }],
  'captures.delete': [{ id: [] }],
  'annotations.list': [{}, { captureId: 'x' }],
  'annotations.create': [
    { captureId: 1, geometry: { kind: 'circle', at: { xUm: 1, yUm: 2 } } },
    { captureId: 1, geometry: { kind: 'point', at: { x: 1, y: 2 } } },
    { captureId: 1, geometry: { kind: 'rectangle', at: { xUm: 0, yUm: 0 }, widthUm: 0, heightUm: 5 } },
    { captureId: 1, geometry: { kind: 'polygon', points: [{ xUm: 0, yUm: 0 }, { xUm: 1, yUm: 1 }] } },
    { captureId: 1, geometry: { kind: 'text', at: { xUm: 0, yUm: 0 } } },
    { captureId: 1, geometry: { kind: 'point', at: { xUm: Number.NaN, yUm: 0 } } },
  ],
  'annotations.update': [{ id: 1, patch: { geometry: { kind: 'point' } } }, { id: 'a', patch: {} }],
  'annotations.delete': [{ id: 0 }],
  'jobs.cancel': [{}, { jobId: 5 }],
  'search.query': [{ text: '' }, { text: '   ' }, { text: 'x'.repeat(201) }, { text: 'x', limit: 0 }, { text: 'x', limit: 1000 }],
  'models.list': [null, 'all'],
  'viewer.layers': [{}, { captureId: 0 }],
  'viewer.pyramid': [{}, { captureId: 1, display: { gamma: 0 } }, { captureId: 1, display: { colormap: 'rainbow' } }, { captureId: 1, display: { window: [0, Infinity] } }],
  'viewer.pixel': [{ captureId: 1 }, { captureId: 1, xPx: -1, yPx: 0 }, { captureId: 1, xPx: 0.5, yPx: 0 }],
  'viewer.interpolate': [{}, { captureId: 'x' }],
  'holography.info': [{}, { captureId: 0 }],
  'holography.setParams': [{ captureId: 1, patch: { wavelengthNm: -532 } }, { captureId: 1, patch: { zUm: 0 } }, { captureId: 1, patch: { refractiveIndex: 0.5 } }],
  'holography.simulate': [{ sessionId: 1, sizePx: 16, heightsUm: [300], wavelengthNm: 532, pixelSizeUm: 1, refractiveIndex: 1 }, { sessionId: 1, sizePx: 64, heightsUm: [], wavelengthNm: 532, pixelSizeUm: 1, refractiveIndex: 1 }],
  'holography.reconstruct': [
    { captureId: 1, method: 'backprop', zUm: 300, wavelengthNm: -532 },
    { captureId: 1, method: 'backprop', zUm: -5 },
    { captureId: 1, method: 'backprop', zUm: 1e9 },
    { captureId: 1, method: 'holo-magic', zUm: 300 },
    { captureId: 1, method: 'backprop', zUm: 'auto', zRangeUm: [500, 100] },
    { captureId: 1, method: 'backprop', zUm: 900, zRangeUm: [100, 500] },
  ],
  'holography.results': [{}, { captureId: -1 }],
  'viewer.difference': [{ captureId: 1 }, { captureId: 1, derivativeId: 0 }],
  'viewer.colormaps': [null, 3],
  'capture.sources': [null, 'all'],
  'capture.state': [null, 1],
  'capture.start': [{}, { sourceId: '' }, { sourceId: 'simulated', mode: { widthPx: 4 } }, { sourceId: 'simulated', mode: { fps: 0 } }],
  'capture.stop': [null],
  'capture.configure': [{ exposureMs: 0 }, { exposureMs: 20_000 }, { gain: 0.5 }, { bitDepth: 10 }, { imaging: 'x-ray' }],
  'capture.moveStage': [{ xUm: 'left' }, { zUm: Number.NaN }, { xUm: 1e9 }, { relative: 'yes' }],
  'capture.snapshot': [{}, { sessionId: 0 }],
  'capture.burst': [{ sessionId: 1 }, { sessionId: 1, frames: 0 }, { sessionId: 1, frames: 5000 }],
  'capture.timelapse': [{ sessionId: 1, frames: 3 }, { sessionId: 1, frames: 3, intervalMs: 1 }],
  'capture.tileScan': [{ sessionId: 1, columns: 0, rows: 2, overlap: 0.1 }, { sessionId: 1, columns: 2, rows: 2, overlap: 0.01 }, { sessionId: 1, columns: 2, rows: 2, overlap: 0.9 }],
  'capture.watch': [{ sessionId: 1 }, { sessionId: 1, folder: '' }],
  'capture.enhance': [{}, { enabled: 'yes' }, { enabled: true, regionPx: 8 }],
  'models.gpuCheck': [{}, { modelId: '' }],
  'models.import': [{}, { path: '' }, { path: 3 }],
  'captures.enhance': [{}, { captureId: 0 }, { captureId: 1, provider: 'tpu' }, { captureId: 1, modelId: '' }],
  'sessions.enhanceAll': [{}, { sessionId: -1 }, { sessionId: 1, provider: 'gpu' }],
  'capture.autofocus': [{ rangeUm: 0 }, { rangeUm: 'far' }],
  'capture.trainingPairs': [{ sessionId: 1, lowObjectiveId: '20x', highObjectiveId: '40x', fields: 0, patchPx: 64 }, { sessionId: 1, lowObjectiveId: '20x', highObjectiveId: '40x', fields: 1, patchPx: 8 }],
};

describe('handlers', () => {
  it('has exactly one handler per contract call', () => {
    expect(Object.keys(services.handlers).sort()).toEqual([...callNames].sort());
    expect(Object.keys(MALFORMED).sort()).toEqual([...callNames].sort());
  });

  it('answers an unknown call with unknown-call', async () => {
    expect(await dispatch('specimens.drop', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });

  it('rejects malformed payloads with invalid-input and changes nothing', async () => {
    // Something to change, so "nothing changed" means something.
    const sp = await ok<{ id: number }>('specimens.create', { accessionId: 'SEED-1' });
    await ok('sessions.create', { title: 'Seed', date: '2026-01-01', modality: 'bright-field', specimenId: sp.id });
    const before = snapshot();
    for (const name of callNames) {
      for (const payload of MALFORMED[name]) {
        const envelope = await dispatch(name, payload);
        expect(envelope, `${name} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
        if (!envelope.ok) expect(envelope.error.message.length).toBeGreaterThan(0);
      }
    }
    await services.idle();
    expect(snapshot()).toBe(before);
  });

  it('runs every call with a valid payload', async () => {
    const exercised = new Set<CallName>();
    const call = async <T = unknown>(name: CallName, payload: unknown) => {
      exercised.add(name);
      return ok<T>(name, payload);
    };

    expect(await call('app.info', {})).toEqual({ version: '9.9.9', host: 'browser', libraryDir, schemaVersion: 2 });

    const specimen = await call<{ id: number }>('specimens.create', { accessionId: 'CALL-001', tissue: 'Colon', tags: ['gi'] });
    expect((await call<Array<{ id: number }>>('specimens.list', {})).map((s) => s.id)).toContain(specimen.id);
    expect(await call('specimens.update', { id: specimen.id, patch: { stain: 'PAS' } })).toMatchObject({ stain: 'PAS', tissue: 'Colon' });

    const session = await call<{ id: number }>('sessions.create', { specimenId: specimen.id, title: 'Calls', date: '2026-02-03', modality: 'hologram', pixelSizeUm: 1.12 });
    expect((await call<Array<{ id: number }>>('sessions.list', { specimenId: specimen.id })).map((s) => s.id)).toEqual([session.id]);
    expect(await call('sessions.get', { id: session.id })).toMatchObject({ title: 'Calls', specimenAccessionId: 'CALL-001' });
    expect(await call('sessions.update', { id: session.id, patch: { camera: 'IMX477' } })).toMatchObject({ camera: 'IMX477' });

    const image = write(root, 'holo_0001.png', await pngRgb8(20, 10));
    const { jobId } = await call<{ jobId: string }>('captures.import', { sessionId: session.id, sources: [{ kind: 'path', path: image }] });
    await services.idle();
    const jobEvents = events.filter((e) => e.event === 'job.progress' && (e.payload as { jobId: string }).jobId === jobId);
    expect(jobEvents.at(-1)?.payload).toMatchObject({ state: 'done', done: 1, total: 1 });
    expect(await call('jobs.cancel', { jobId })).toEqual({ cancelled: false });
    expect(events.some((e) => e.event === 'catalog.changed' && (e.payload as { entity: string }).entity === 'capture')).toBe(true);

    const [capture] = await call<Array<{ id: number; pixelSizeUm: number }>>('captures.list', { sessionId: session.id });
    expect(capture.pixelSizeUm).toBe(1.12);
    expect(await call('captures.get', { id: capture.id })).toMatchObject({ capture: { id: capture.id }, derivatives: [] });
    expect(await call('captures.update', { id: capture.id, patch: { tags: ['twin-image'] } })).toMatchObject({ tags: ['twin-image'] });
    expect((await call<Array<{ kind: string }>>('search.query', { text: 'twin', limit: 5 })).map((h) => h.kind)).toEqual(['capture']);

    const note = await call<{ id: number }>('annotations.create', { captureId: capture.id, geometry: { kind: 'text', at: { xUm: 3.5, yUm: 7 } }, text: 'Twin image here', author: 'Ada' });
    const box = await call<{ id: number }>('annotations.create', { captureId: capture.id, geometry: { kind: 'rectangle', at: { xUm: 1, yUm: 2 }, widthUm: 10, heightUm: 4 } });
    expect(await call('annotations.update', { id: box.id, patch: { geometry: { kind: 'polygon', points: [{ xUm: 0, yUm: 0 }, { xUm: 5, yUm: 0 }, { xUm: 0, yUm: 5 }] } } })).toMatchObject({ geometry: { kind: 'polygon' }, text: null });
    expect(await call('annotations.list', { captureId: capture.id })).toEqual([
      expect.objectContaining({ id: note.id, geometry: { kind: 'text', at: { xUm: 3.5, yUm: 7 } }, text: 'Twin image here', author: 'Ada' }),
      expect.objectContaining({ id: box.id }),
    ]);
    expect(await dispatch('annotations.update', { id: note.id, patch: { text: '' } })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'A text annotation needs its text.' } });
    expect(await call('annotations.delete', { id: box.id })).toEqual({ deleted: true });
    expect(await call('annotations.delete', { id: box.id })).toEqual({ deleted: false });
    expect(await dispatch('annotations.create', { captureId: 999_999, geometry: { kind: 'point', at: { xUm: 0, yUm: 0 } } })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await call('models.list', {})).toEqual([expect.objectContaining({ id: 'tiny', sizeBytes: 1 })]);

    expect(await call('viewer.layers', { captureId: capture.id })).toMatchObject({ layers: [{ key: 'raw', pixelSizeUm: 1.12 }] });
    expect(await call('viewer.pyramid', { captureId: capture.id, display: { gamma: 0.8 } })).toMatchObject({ width: 20, height: 10, bands: 3 });
    expect(await call('viewer.pixel', { captureId: capture.id, xPx: 1, yPx: 1 })).toMatchObject({ values: [expect.any(Number), expect.any(Number), expect.any(Number)] });
    const interpolated = await call<{ id: number; width: number }>('viewer.interpolate', { captureId: capture.id });
    expect(interpolated.width).toBe(40);
    fs.mkdirSync(path.join(libraryDir, 'derived', 'calls'), { recursive: true });
    write(path.join(libraryDir, 'derived', 'calls'), 'enhanced.png', await pngRgb8(40, 20));
    const enhanced = await services.recordDerivative({
      captureId: capture.id, kind: 'enhanced', file: 'derived/calls/enhanced.png', width: 40, height: 20, dtype: 'uint8', channels: 3, pixelSizeUm: 0.56,
      provenance: { modelId: 'tiny', modelVersion: '1', weightsSha256: 'b'.repeat(64), executionProvider: 'cpu', tileSize: null, tileHalo: null, durationMs: null },
    });
    expect(await call('viewer.difference', { captureId: capture.id, derivativeId: enhanced.id })).toMatchObject({ dtype: 'float32', width: 40 });
    expect(await call('viewer.colormaps', {})).toMatchObject({ grey: expect.any(Array) });

    const holoSession = await call<{ id: number }>('sessions.create', { title: 'Holograms', date: '2026-11-27', modality: 'hologram' });
    const optics = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1 };
    const [holo] = await call<{ id: number }[]>('holography.simulate', { sessionId: holoSession.id, sizePx: 32, heightsUm: [200], ...optics, seed: 1 });
    expect(await call('holography.setParams', { captureId: holo.id, patch: { zUm: 210 } })).toMatchObject({ params: { zUm: 210 } });
    expect(await call('holography.info', { captureId: holo.id })).toMatchObject({ params: { wavelengthNm: 532 } });
    await call('holography.reconstruct', { captureId: holo.id, method: 'backprop', zUm: 200 });
    await services.idle();
    expect(await call('holography.results', { captureId: holo.id })).toMatchObject([{ method: 'backprop', zUm: 200 }]);
    expect(await call('captures.delete', { id: holo.id })).toEqual({ deleted: true });

    // Capture: the simulated microscope at a small sensor size, every acquisition once.
    const capSession = await call<{ id: number }>('sessions.create', { title: 'Live', date: '2026-11-27', modality: 'bright-field' });
    expect((await call<Array<{ id: string }>>('capture.sources', {}))[0]).toMatchObject({ id: 'simulated' });
    expect(await call('capture.start', { sourceId: 'simulated', mode: { widthPx: 128, heightPx: 96, fps: 30 } })).toMatchObject({ status: 'running' });
    expect(await call('capture.configure', { exposureMs: 12, gain: 2, bitDepth: 12, objectiveId: '10x', imaging: 'bright-field' })).toMatchObject({ settings: { bitDepth: 12 } });
    expect(await call('capture.moveStage', { zUm: 1, relative: true })).toMatchObject({ zUm: expect.any(Number) });
    expect(await call('capture.snapshot', { sessionId: capSession.id })).toMatchObject({ width: 128, bitDepth: 16 });
    await call('capture.burst', { sessionId: capSession.id, frames: 2 });
    await call('capture.timelapse', { sessionId: capSession.id, frames: 1, intervalMs: 50 });
    await call('capture.tileScan', { sessionId: capSession.id, columns: 2, rows: 1, overlap: 0.25 });
    await services.idle();
    expect(await call('capture.enhance', { enabled: false })).toMatchObject({ enabled: false, available: false, reason: expect.stringMatching(/no inference engine/) });
    expect(await call('capture.autofocus', { rangeUm: 2 })).toMatchObject({ zUm: expect.any(Number) });
    await call('capture.trainingPairs', { sessionId: capSession.id, lowObjectiveId: '20x', highObjectiveId: '40x', fields: 1, patchPx: 16 });
    await services.idle();
    expect(await call<unknown[]>('captures.list', { sessionId: capSession.id })).toHaveLength(9);
    const watched = fs.mkdtempSync(path.join(root, 'watch-'));
    expect(await call('capture.watch', { sessionId: capSession.id, folder: watched })).toMatchObject({ watch: { sessionId: capSession.id } });
    expect(await call('capture.watch', { sessionId: capSession.id, folder: null })).toMatchObject({ watch: null });
    expect(await call('capture.state', {})).toMatchObject({ sourceId: 'simulated' });
    expect(await call('capture.stop', {})).toMatchObject({ status: 'stopped' });
    await call('sessions.delete', { id: capSession.id, confirmDeleteCaptures: true });

    // The domain errors come back as envelopes a person can read.
    expect(await dispatch('specimens.create', { accessionId: 'call-001' })).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'A specimen with accession id “call-001” already exists.' },
    });
    expect(await dispatch('sessions.delete', { id: session.id })).toMatchObject({ ok: false, error: { code: 'needs-confirmation', message: expect.stringContaining('1 capture') } });
    expect(await dispatch('specimens.delete', { id: specimen.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await dispatch('captures.get', { id: 999_999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });

    expect(await call('captures.delete', { id: capture.id })).toEqual({ deleted: true });
    expect(await call('sessions.delete', { id: session.id, confirmDeleteCaptures: true })).toEqual({ deleted: true, capturesDeleted: 0 });
    expect(await call('specimens.delete', { id: specimen.id })).toEqual({ deleted: true });

    // Enhancement and model checks need an inference engine: a second services over the same kind of library, with a fake one.
    {
      const dir = path.join(root, 'with-inference');
      for (const sub of ['resources/models/tiny', 'pkg']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
      write(path.join(dir, 'resources', 'models', 'tiny'), 'manifest.json', JSON.stringify(validManifest('tiny')));
      for (const f of ['model.onnx', 'input.npy', 'output.npy']) write(path.join(dir, 'resources', 'models', 'tiny'), f, 'x');
      const withInference = createServices({ libraryDir: path.join(dir, 'library'), resourcesDir: path.join(dir, 'resources'), host: 'browser', appVersion: 't', emit: () => undefined, log: () => undefined, inference: fakeInferenceClient() });
      const d = createDispatcher(withInference.handlers, () => undefined);
      const run = async <T = unknown>(name: CallName, payload: unknown): Promise<T> => {
        exercised.add(name);
        const envelope = (await d(name, payload)) as Envelope<T>;
        if (!envelope.ok) throw new Error(`${name} failed: ${envelope.error.message}`);
        expect(calls[name].output.safeParse(envelope.value).success).toBe(true);
        return envelope.value;
      };
      try {
        const s = (await d('sessions.create', { title: 'Enhance', date: '2026-11-27', modality: 'bright-field' })) as Envelope<{ id: number }>;
        const sid = s.ok ? s.value.id : 0;
        await d('captures.import', { sessionId: sid, sources: [{ kind: 'path', path: write(root, 'enh.png', await pngRgb8(8, 8)) }] });
        await withInference.idle();
        const list = (await d('captures.list', { sessionId: sid })) as Envelope<{ id: number }[]>;
        const cid = list.ok ? list.value[0].id : 0;
        await run('captures.enhance', { captureId: cid });
        await run('sessions.enhanceAll', { sessionId: sid, provider: 'cpu' });
        await withInference.idle();
        expect(await run('models.gpuCheck', { modelId: 'tiny' })).toMatchObject({ modelId: 'tiny' });
        const pkg = path.join(dir, 'pkg');
        write(pkg, 'manifest.json', JSON.stringify(validManifest('imported')));
        expect(await run('models.import', { path: pkg })).toEqual({ id: 'imported' });
      } finally {
        await withInference.close();
      }
    }

    expect([...exercised].sort()).toEqual([...callNames].sort());
  });
});

describe('recordDerivative', () => {
  it('records a result with provenance that captures.get returns, and refuses a file that is not there', async () => {
    const session = await ok<{ id: number }>('sessions.create', { title: 'Derive', date: '2026-02-03', modality: 'bright-field' });
    const image = write(root, 'derive.png', await pngRgb8(12, 10));
    await ok('captures.import', { sessionId: session.id, sources: [{ kind: 'path', path: image }] });
    await services.idle();
    const [capture] = await ok<Array<{ id: number }>>('captures.list', { sessionId: session.id });
    fs.mkdirSync(path.join(libraryDir, 'derived', `c${capture.id}`), { recursive: true });
    write(path.join(libraryDir, 'derived', `c${capture.id}`), 'enhanced.tif', 'pixels');
    const provenance = { modelId: 'tiny', modelVersion: '0.1.0', weightsSha256: 'c'.repeat(64), executionProvider: 'cpu', tileSize: 256, tileHalo: 16, durationMs: 42 };
    const input = { captureId: capture.id, kind: 'enhanced' as const, file: `derived/c${capture.id}/enhanced.tif`, width: 24, height: 20, dtype: 'uint8', channels: 3, pixelSizeUm: null, provenance };
    const derivative = await services.recordDerivative(input);
    expect(derivative).toMatchObject({ kind: 'enhanced', width: 24, provenance });
    const got = await ok<{ derivatives: unknown[] }>('captures.get', { id: capture.id });
    expect(got.derivatives).toEqual([derivative]);

    await expect(services.recordDerivative({ ...input, file: 'derived/missing.tif' })).rejects.toThrow(/not in the library/);
    await expect(services.recordDerivative({ ...input, file: 'images/x.png' })).rejects.toThrow(/not in the library/);

    write(path.join(libraryDir, 'derived'), 'orphan.tif', 'x');
    await expect(services.recordDerivative({ ...input, captureId: 999_999, file: 'derived/orphan.tif' })).rejects.toMatchObject({ code: 'not-found' });
    expect(fs.existsSync(path.join(libraryDir, 'derived', 'orphan.tif'))).toBe(false);

    expect(await ok('captures.delete', { id: capture.id })).toEqual({ deleted: true });
    expect(filesUnder(path.join(libraryDir, 'derived'))).toEqual([]);
  });
});

describe('allowPathImports: false', () => {
  it('refuses path sources with forbidden and still takes uploads', async () => {
    const dir = tempDir();
    const locked = createServices({ libraryDir: dir, resourcesDir: dir, host: 'browser', appVersion: 't', emit: () => undefined, log: () => undefined, allowPathImports: false });
    try {
      const d = createDispatcher(locked.handlers, () => undefined);
      const session = await locked.handlers['sessions.create']({ title: 'Remote', date: '2026-01-01', modality: 'bright-field' });
      expect(await d('captures.import', { sessionId: session.id, sources: [{ kind: 'path', path: '/etc/hosts' }] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const uploadId = await locked.stageUpload(Readable.from([await pngRgb8(8, 8)]), 'up.png');
      expect(await d('captures.import', { sessionId: session.id, sources: [{ kind: 'upload', uploadId, name: 'up.png' }] })).toMatchObject({ ok: true });
      await locked.idle();
      expect(await locked.handlers['captures.list']({ sessionId: session.id })).toHaveLength(1);
    } finally {
      await locked.close();
      removeDir(dir);
    }
  });
});
