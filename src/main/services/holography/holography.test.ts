import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallName, CallOutput, Capture, Envelope, JobProgress } from '../../../shared/contract';
import { amplitudeSsim, phaseRmse, simulateObject } from '../../../shared/optics';
import type { Dispatch } from '../../rpc';
import type { Services } from '..';
import { callChecked, servicesForTest } from '../testing';
import { createInferenceClient, forkSpawner, type InferenceClient } from '../inference';
import { pngGrey16, pngRgb8, removeDir, tempDir, write } from '../library/testing';

const INFERENCE_DIR = path.resolve(__dirname, '../inference');
const FIXTURE = path.resolve(__dirname, 'fixtures/tiny-holo-x1');
const XDG = path.join(os.tmpdir(), 'lucida-xdg');
const SIZE = 128;
const OPTICS = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1 };
const SEED = 11;

let root: string;
let services: Services;
let dispatch: Dispatch;
let client: InferenceClient;
const events: JobProgress[] = [];
let hologramSessionId: number;
let hologram: Capture;

const call = <C extends CallName>(channel: C, payload: unknown): Promise<CallOutput<C>> => callChecked(dispatch, channel, payload);

async function refused(channel: CallName, payload: unknown): Promise<{ code: string; message: string }> {
  const envelope = await dispatch(channel, payload);
  expect(envelope.ok, `${channel} should have been refused`).toBe(false);
  return (envelope as { ok: false; error: { code: string; message: string } }).error;
}

async function finished(jobId: string, timeoutMs = 60_000): Promise<JobProgress> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const last = events.filter((e) => e.jobId === jobId).at(-1);
    if (last && last.state !== 'running') return last;
    if (Date.now() > until) throw new Error(`job ${jobId} did not finish`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  root = tempDir('lucida-holo-');
  fs.mkdirSync(XDG, { recursive: true, mode: 0o700 });
  const modelsDir = path.join(root, 'resources', 'models');
  fs.mkdirSync(modelsDir, { recursive: true });
  fs.cpSync(FIXTURE, path.join(modelsDir, 'tiny-holo-x1'), { recursive: true });
  client = createInferenceClient({
    spawn: forkSpawner({
      modulePath: path.join(INFERENCE_DIR, 'host-process.ts'),
      execArgv: ['--import', path.join(INFERENCE_DIR, 'ts-hooks.mjs'), '--disable-warning=ExperimentalWarning', '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'],
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? XDG },
    }),
    config: { modelRoots: [modelsDir] },
    log: () => undefined,
  });
  ({ services, dispatch } = servicesForTest(root, { progress: events, inference: client, holographyModelId: 'tiny-holo-x1' }));
  const session = await call('sessions.create', { title: 'Holograms', date: '2026-11-27', modality: 'hologram', pixelSizeUm: OPTICS.pixelSizeUm });
  hologramSessionId = session.id;
  [hologram] = await call('holography.simulate', { sessionId: session.id, sizePx: SIZE, heightsUm: [300], ...OPTICS, seed: SEED });
}, 60_000);

afterAll(async () => {
  await services?.close();
  await client?.close();
  removeDir(root);
});

describe('simulated hologram captures', () => {
  it('are 16-bit grey captures of the hologram session with their optics recorded', async () => {
    expect(hologram).toMatchObject({ width: SIZE, height: SIZE, bitDepth: 16, channels: 1, format: 'png' });
    const info = await call('holography.info', { captureId: hologram.id });
    expect(info.params).toMatchObject({ ...OPTICS, zUm: 300, fieldId: null });
    expect(info.methods.find((m) => m.method === 'backprop')?.available).toBe(true);
    expect(info.methods.find((m) => m.method === 'network')?.available).toBe(true);
    expect(info.methods.find((m) => m.method === 'multi-height')).toMatchObject({ available: false });
  });
});

describe('reconstruction by back-propagation', () => {
  it('writes float32 amplitude and phase derivatives with physics provenance that the viewer opens', async () => {
    const { jobId } = await call('holography.reconstruct', { captureId: hologram.id, method: 'backprop', zUm: 300 });
    const end = await finished(jobId);
    expect(end, end.message ?? '').toMatchObject({ state: 'done', kind: 'holography.reconstruct' });
    const [result] = await call('holography.results', { captureId: hologram.id });
    expect(result).toMatchObject({ method: 'backprop', zUm: 300, autofocus: false, focusCurve: null, ...OPTICS });
    for (const d of [result.amplitude, result.phase]) {
      expect(d).toMatchObject({ width: SIZE, height: SIZE, dtype: 'float32', channels: 1, pixelSizeUm: OPTICS.pixelSizeUm });
      expect(d.provenance).toMatchObject({
        modelId: 'physics:angular-spectrum-back-propagation',
        weightsSha256: 'none (physics, no network)',
        executionProvider: 'cpu (TypeScript, worker thread)',
        tileSize: null,
      });
      const file = services.resolveLibraryFile(d.fileUrl)!;
      expect(fs.statSync(file).size).toBeGreaterThan(SIZE * SIZE * 4);
    }
    expect(result.amplitude.kind).toBe('amplitude');
    expect(result.phase.kind).toBe('phase');
    // The twin image stays, but the in-focus field must resemble the object.
    const phase = readTiff(services.resolveLibraryFile(result.phase.fileUrl)!);
    const amp = readTiff(services.resolveLibraryFile(result.amplitude.fileUrl)!);
    const truth = simulateObject({ width: SIZE, height: SIZE, pixelSizeUm: OPTICS.pixelSizeUm, seed: SEED, cellCount: 6, phaseRangeRad: [0.2, 1.5] }).field;
    const re = new Float64Array(SIZE * SIZE);
    const im = new Float64Array(SIZE * SIZE);
    for (let i = 0; i < re.length; i++) {
      re[i] = amp[i] * Math.cos(phase[i]);
      im[i] = amp[i] * Math.sin(phase[i]);
    }
    expect(Math.max(...phase)).toBeLessThanOrEqual(Math.PI + 1e-6);
    expect(phaseRmse({ width: SIZE, height: SIZE, re, im }, truth)).toBeLessThan(0.6);
    expect(amplitudeSsim({ width: SIZE, height: SIZE, re, im }, truth, { dataRange: 1 })).toBeGreaterThan(0.2);

    const layers = await call('viewer.layers', { captureId: hologram.id });
    expect(layers.layers.map((l) => l.role)).toEqual(expect.arrayContaining(['amplitude', 'phase']));
    const pyramid = await call('viewer.pyramid', { captureId: hologram.id, derivativeId: result.phase.id });
    expect(pyramid).toMatchObject({ width: SIZE, height: SIZE, sampleFormat: 'float' });
  });
});

describe('autofocus', () => {
  it('stores the focus curve with the result and finds z within a search step', async () => {
    const { jobId } = await call('holography.reconstruct', { captureId: hologram.id, method: 'backprop', zUm: 'auto', zRangeUm: [150, 450] });
    const end = await finished(jobId);
    expect(end.state, end.message ?? '').toBe('done');
    const [result] = await call('holography.results', { captureId: hologram.id });
    expect(result.autofocus).toBe(true);
    expect(result.focusCurve!.length).toBeGreaterThan(20);
    const zs = result.focusCurve!.map((p) => p.zUm);
    expect(zs).toEqual([...zs].sort((a, b) => a - b));
    const coarseStepUm = (450 - 150) / 24;
    expect(Math.abs(result.zUm - 300)).toBeLessThanOrEqual(coarseStepUm);
  });
});

describe('network path', () => {
  it('runs the holography model through the inference engine and records its provenance', async () => {
    const { jobId } = await call('holography.reconstruct', { captureId: hologram.id, method: 'network', zUm: 300, provider: 'cpu' });
    const end = await finished(jobId);
    expect(end.state, end.message ?? '').toBe('done');
    const [result] = await call('holography.results', { captureId: hologram.id });
    const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'manifest.json'), 'utf8')) as { sha256: string; version: string };
    expect(result.method).toBe('network');
    for (const d of [result.amplitude, result.phase]) {
      expect(d.provenance).toMatchObject({ modelId: 'tiny-holo-x1', modelVersion: manifest.version, weightsSha256: manifest.sha256, executionProvider: 'cpu', tileSize: SIZE + 2 * 8, tileHalo: 8 });
      expect(d.provenance!.durationMs).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe('multi-height', () => {
  it('is offered for a stack of one field and reconstructs from all its heights', async () => {
    const stack = await call('holography.simulate', { sessionId: hologramSessionId, sizePx: SIZE, heightsUm: [300, 340, 380], ...OPTICS, seed: 5 });
    const info = await call('holography.info', { captureId: stack[0].id });
    expect(info.stack.map((s) => s.zUm)).toEqual([300, 340, 380]);
    expect(info.methods.find((m) => m.method === 'multi-height')?.available).toBe(true);
    const { jobId } = await call('holography.reconstruct', { captureId: stack[0].id, method: 'multi-height', zUm: 300, iterations: 5 });
    expect((await finished(jobId)).state).toBe('done');
    const [result] = await call('holography.results', { captureId: stack[0].id });
    expect(result).toMatchObject({ method: 'multi-height', heightsUm: [300, 340, 380], stackCaptureIds: stack.map((c) => c.id) });
    expect(result.phase.provenance?.modelId).toBe('physics:multi-height-retrieval');
  });
});

describe('bad requests', () => {
  it('refuse impossible optics, z out of range and non-hologram captures with invalid-input, writing nothing', async () => {
    const before = { files: filesUnder(path.join(root, 'library', 'derived')).length, results: (await call('holography.results', { captureId: hologram.id })).length };
    const negative = await refused('holography.reconstruct', { captureId: hologram.id, method: 'backprop', zUm: 300, wavelengthNm: -532 });
    expect(negative).toMatchObject({ code: 'invalid-input' });
    expect(negative.message).toMatch(/wavelength must be positive/);
    const tooFar = await refused('holography.reconstruct', { captureId: hologram.id, method: 'backprop', zUm: 1e7 });
    expect(tooFar.code).toBe('invalid-input');
    expect(tooFar.message).toMatch(/at most 50000 µm/);
    const aliasing = await refused('holography.reconstruct', { captureId: hologram.id, method: 'backprop', zUm: 40_000 });
    expect(aliasing).toMatchObject({ code: 'invalid-input' });
    expect(aliasing.message).toMatch(/out of range for this hologram/);
    const noStack = await refused('holography.reconstruct', { captureId: hologram.id, method: 'multi-height', zUm: 300 });
    expect(noStack.message).toMatch(/no multi-height stack/);
    const noRange = await refused('holography.setParams', { captureId: hologram.id, patch: { refractiveIndex: 0.3 } });
    expect(noRange.code).toBe('invalid-input');

    const bf = await call('sessions.create', { title: 'Bright field', date: '2026-11-27', modality: 'bright-field' });
    const png = write(root, 'cells.png', await pngGrey16(64, 64));
    await call('captures.import', { sessionId: bf.id, sources: [{ kind: 'path', path: png }] });
    await services.idle();
    const [plain] = await call('captures.list', { sessionId: bf.id });
    const notHologram = await refused('holography.reconstruct', { captureId: plain.id, method: 'backprop', zUm: 300, ...OPTICS });
    expect(notHologram.code).toBe('invalid-input');
    expect(notHologram.message).toMatch(/not a hologram/);
    expect((await refused('holography.simulate', { sessionId: bf.id, sizePx: 64, heightsUm: [300], ...OPTICS })).message).toMatch(/hologram session/);

    expect(filesUnder(path.join(root, 'library', 'derived')).length).toBe(before.files);
    expect((await call('holography.results', { captureId: hologram.id })).length).toBe(before.results);
  });
});

/** Every derivative row in the catalog (read through a second connection) and every file under derived/. */
function written(): { rows: number; files: string[] } {
  const db = new Database(path.join(root, 'library', 'catalog.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT COUNT(*) FROM derivatives').pluck().get() as number;
    return { rows, files: filesUnder(path.join(root, 'library', 'derived')).sort() };
  } finally {
    db.close();
  }
}

async function importInto(sessionId: number, name: string, data: Buffer): Promise<Capture> {
  const file = write(root, name, data);
  await call('captures.import', { sessionId, sources: [{ kind: 'path', path: file }] });
  await services.idle();
  const capture = (await call('captures.list', { sessionId })).find((c) => c.originalName === name);
  expect(capture, `${name} was imported`).toBeDefined();
  return capture!;
}

describe('bad holograms', () => {
  it('refuse a colour hologram with a sentence naming the file, before any job, writing nothing', async () => {
    const colour = await importInto(hologramSessionId, 'colour-hologram.png', await pngRgb8(64, 64));
    expect(colour.channels).toBe(3);
    await call('holography.setParams', { captureId: colour.id, patch: { ...OPTICS, zUm: 300 } });
    const before = written();
    const sentence = new RegExp(`The hologram colour-hologram\\.png \\(capture ${colour.id}\\) is a colour image \\(3 channels\\); a hologram must be a mono sensor image`);

    // Every method is offered as unavailable, with the sentence as its reason (what the panel shows beside it).
    const info = await call('holography.info', { captureId: colour.id });
    for (const m of info.methods) {
      expect(m.available, m.method).toBe(false);
      expect(m.reason).toMatch(sentence);
    }
    for (const method of ['backprop', 'network', 'multi-height'] as const) {
      const error = await refused('holography.reconstruct', { captureId: colour.id, method, zUm: 300 });
      expect(error.code).toBe('invalid-input');
      expect(error.message).toMatch(sentence);
    }
    expect(events.some((e) => e.kind === 'holography.reconstruct' && e.failures.some((f) => f.name === 'colour-hologram.png'))).toBe(false);
    expect(written()).toEqual(before);
    expect(await call('holography.results', { captureId: colour.id })).toEqual([]);
  });

  it('refuse a colour file behind a mono catalog row when the job reads it: the job fails naming the file, nothing written', async () => {
    const [mono] = await call('holography.simulate', { sessionId: hologramSessionId, sizePx: 64, heightsUm: [300], ...OPTICS, seed: 41 });
    // The file on disk is replaced by a colour image of the same size (the catalog still says one channel).
    fs.writeFileSync(services.resolveLibraryFile(mono.fileUrl)!, await pngRgb8(64, 64));
    const before = written();
    const { jobId } = await call('holography.reconstruct', { captureId: mono.id, method: 'backprop', zUm: 300 });
    const end = await finished(jobId);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(new RegExp(`The hologram ${mono.originalName.replace(/\./g, '\\.')} is a colour image \\(3 channels\\); a hologram must be a mono sensor image`));
    expect(end.failures).toEqual([{ name: mono.originalName, message: end.message }]);
    expect(written()).toEqual(before);
    expect(await call('holography.results', { captureId: mono.id })).toEqual([]);
  });

  it('refuse a multi-height stack of mismatched sizes, naming the files and their sizes, writing nothing', async () => {
    const stack = await call('holography.simulate', { sessionId: hologramSessionId, sizePx: SIZE, heightsUm: [300, 340], ...OPTICS, seed: 43 });
    const fieldId = (await call('holography.info', { captureId: stack[0].id })).params.fieldId!;
    expect(fieldId).toBeTruthy();
    const odd = await importInto(hologramSessionId, 'odd-size.png', await pngGrey16(96, 80));
    await call('holography.setParams', { captureId: odd.id, patch: { ...OPTICS, zUm: 380, fieldId } });
    const before = written();

    // The odd capture is part of the field's stack (not silently dropped), and the stack is refused with its sizes.
    const info = await call('holography.info', { captureId: stack[0].id });
    expect(info.stack.map((s) => s.captureId)).toEqual([stack[0].id, stack[1].id, odd.id]);
    const sentence =
      `The multi-height stack “${fieldId}” mixes hologram sizes: ` +
      `${stack[0].originalName} (capture ${stack[0].id}, z 300 µm), ${stack[1].originalName} (capture ${stack[1].id}, z 340 µm) are ${SIZE}×${SIZE} px; ` +
      `odd-size.png (capture ${odd.id}, z 380 µm) is 96×80 px.`;
    const multi = info.methods.find((m) => m.method === 'multi-height')!;
    expect(multi.available).toBe(false);
    expect(multi.reason).toContain(sentence);
    for (const captureId of [stack[0].id, odd.id]) {
      const error = await refused('holography.reconstruct', { captureId, method: 'multi-height', zUm: captureId === odd.id ? 380 : 300 });
      expect(error.code).toBe('invalid-input');
      expect(error.message).toContain(sentence);
      expect(error.message).toMatch(/must be recorded on the same sensor area/);
    }
    expect(written()).toEqual(before);
    expect(await call('holography.results', { captureId: stack[0].id })).toEqual([]);

    // Giving the odd capture its own field id mends the stack.
    await call('holography.setParams', { captureId: odd.id, patch: { fieldId: 'another-field' } });
    const mended = await call('holography.info', { captureId: stack[0].id });
    expect(mended.stack.map((s) => s.captureId)).toEqual([stack[0].id, stack[1].id]);
    expect(mended.methods.find((m) => m.method === 'multi-height')).toMatchObject({ available: true, reason: null });
  });
});

describe('cancel', () => {
  it('stops a reconstruction through jobs.cancel and records nothing', async () => {
    const before = (await call('holography.results', { captureId: hologram.id })).length;
    const filesBefore = filesUnder(path.join(root, 'library', 'derived')).length;
    const { jobId } = await call('holography.reconstruct', { captureId: hologram.id, method: 'backprop', zUm: 'auto', zRangeUm: [100, 500] });
    expect(await call('jobs.cancel', { jobId })).toEqual({ cancelled: true });
    const end = await finished(jobId);
    expect(end.state).toBe('cancelled');
    expect(end.message).toMatch(/nothing was saved/);
    expect((await call('holography.results', { captureId: hologram.id })).length).toBe(before);
    expect(filesUnder(path.join(root, 'library', 'derived')).length).toBe(filesBefore);
    expect(await call('jobs.cancel', { jobId })).toEqual({ cancelled: false });
  });

  it('stops in the middle of autofocus: the worker is terminated, not waited for', async () => {
    const filesBefore = filesUnder(path.join(root, 'library', 'derived')).length;
    const { jobId } = await call('holography.reconstruct', { captureId: hologram.id, method: 'backprop', zUm: 'auto', zRangeUm: [100, 500] });
    const until = Date.now() + 30_000;
    while (!events.some((e) => e.jobId === jobId && e.current === 'autofocus' && e.message !== null) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(await call('jobs.cancel', { jobId })).toEqual({ cancelled: true });
    const end = await finished(jobId, 5_000);
    expect(end.state).toBe('cancelled');
    expect(filesUnder(path.join(root, 'library', 'derived')).length).toBe(filesBefore);
  });
});

/** The one-strip float32 TIFF the service writes: samples start at the strip offset (tag 273). */
function readTiff(file: string): Float32Array {
  const buf = fs.readFileSync(file);
  const count = buf.readUInt16LE(8);
  let offset = 0;
  let width = 0;
  let height = 0;
  for (let i = 0; i < count; i++) {
    const at = 10 + i * 12;
    const tag = buf.readUInt16LE(at);
    const value = buf.readUInt16LE(at + 2) === 3 ? buf.readUInt16LE(at + 8) : buf.readUInt32LE(at + 8);
    if (tag === 273) offset = value;
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return new Float32Array(buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + width * height * 4));
}

const REAL_MODELS = path.resolve(__dirname, '../../../../resources/models');
const realModel = fs.existsSync(path.join(REAL_MODELS, 'lucida-holo-phase', 'manifest.json'));

describe.runIf(realModel)('the bundled holography network (lucida-holo-phase)', () => {
  let realRoot: string;
  let real: Services;
  let realClient: InferenceClient;
  let realDispatch: Dispatch;
  const realEvents: JobProgress[] = [];

  beforeAll(async () => {
    realRoot = tempDir('lucida-holo-real-');
    realClient = createInferenceClient({
      spawn: forkSpawner({
        modulePath: path.join(INFERENCE_DIR, 'host-process.ts'),
        execArgv: ['--import', path.join(INFERENCE_DIR, 'ts-hooks.mjs'), '--disable-warning=ExperimentalWarning', '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'],
        env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? XDG },
      }),
      config: { modelRoots: [REAL_MODELS] },
      log: () => undefined,
    });
    ({ services: real, dispatch: realDispatch } = servicesForTest(realRoot, { progress: realEvents, resourcesDir: path.dirname(REAL_MODELS), inference: realClient }));
  });

  afterAll(async () => {
    await real?.close();
    await realClient?.close();
    removeDir(realRoot);
  });

  it('reconstructs through the engine with the model’s provenance and beats plain back-propagation on phase', async () => {
    const answer = async <T>(channel: CallName, payload: unknown): Promise<T> => {
      const envelope = (await realDispatch(channel, payload)) as Envelope<T>;
      if (!envelope.ok) throw new Error(envelope.error.message);
      return envelope.value;
    };
    const waitFor = async (jobId: string) => {
      for (let i = 0; i < 3000; i++) {
        const last = realEvents.filter((e) => e.jobId === jobId).at(-1);
        if (last && last.state !== 'running') return last;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('job did not finish');
    };
    const session = await answer<{ id: number }>('sessions.create', { title: 'Real', date: '2026-11-27', modality: 'hologram' });
    const optics = { wavelengthNm: 530, pixelSizeUm: 1.12, refractiveIndex: 1 };
    const [capture] = await answer<Capture[]>('holography.simulate', { sessionId: session.id, sizePx: SIZE, heightsUm: [400], ...optics, seed: 21 });
    for (const method of ['backprop', 'network'] as const) {
      const { jobId } = await answer<{ jobId: string }>('holography.reconstruct', { captureId: capture.id, method, zUm: 400, ...(method === 'network' ? { provider: 'cpu' } : {}) });
      const end = await waitFor(jobId);
      expect(end.state, end.message ?? '').toBe('done');
    }
    const results = await answer<CallOutput<'holography.results'>>('holography.results', { captureId: capture.id });
    const manifest = JSON.parse(fs.readFileSync(path.join(REAL_MODELS, 'lucida-holo-phase', 'manifest.json'), 'utf8')) as { sha256: string; version: string; tile: { halo: number } };
    const net = results.find((r) => r.method === 'network')!;
    const bp = results.find((r) => r.method === 'backprop')!;
    expect(net.phase.provenance).toMatchObject({ modelId: 'lucida-holo-phase', modelVersion: manifest.version, weightsSha256: manifest.sha256, executionProvider: 'cpu', tileHalo: manifest.tile.halo });
    const truth = simulateObject({ width: SIZE, height: SIZE, pixelSizeUm: optics.pixelSizeUm, seed: 21, cellCount: 6, phaseRangeRad: [0.2, 1.5] }).field;
    const fieldOf = (r: typeof net) => {
      const a = readTiff(real.resolveLibraryFile(r.amplitude.fileUrl)!);
      const p = readTiff(real.resolveLibraryFile(r.phase.fileUrl)!);
      return { width: SIZE, height: SIZE, re: Float64Array.from(a, (v, i) => v * Math.cos(p[i])), im: Float64Array.from(a, (v, i) => v * Math.sin(p[i])) };
    };
    const netRmse = phaseRmse(fieldOf(net), truth);
    const bpRmse = phaseRmse(fieldOf(bp), truth);
    console.log(`[holography] 128 px, z 400 µm: phase RMSE network ${netRmse.toFixed(3)} rad vs back-propagation ${bpRmse.toFixed(3)} rad`);
    expect(netRmse).toBeLessThan(bpRmse);
  }, 120_000);
});
