import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallName, Capture, CaptureState, JobProgress, Session } from '../../../shared/contract';
import type { Dispatch } from '../../rpc';
import type { Services } from '..';
import { callChecked, servicesForTest } from '../testing';
import { pngRgb8, removeDir, tempDir } from '../library/testing';

let root: string;
let services: Services;
let dispatch: Dispatch;
const progress: JobProgress[] = [];

const ok = <T>(channel: CallName, payload: unknown): Promise<T> => callChecked(dispatch, channel, payload) as Promise<T>;

function jobEnd(jobId: string, timeoutMs = 60_000): Promise<JobProgress> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const end = progress.find((p) => p.jobId === jobId && p.state !== 'running');
      if (end) resolve(end);
      else if (Date.now() - started > timeoutMs) reject(new Error(`job ${jobId} did not end`));
      else setTimeout(poll, 50);
    };
    poll();
  });
}

let session: Session;

beforeAll(async () => {
  root = tempDir('lucida-capture-');
  ({ services, dispatch } = servicesForTest(root, { progress }));
  session = await ok<Session>('sessions.create', { title: 'Live', date: '2026-11-27', modality: 'bright-field' });
});

afterAll(async () => {
  await services.close();
  removeDir(root);
});

describe('capture service with the simulated microscope', () => {
  it('refuses a snapshot before a camera runs, and says why', async () => {
    const envelope = await dispatch('capture.snapshot', { sessionId: session.id });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/Start the live view/) } });
  });

  it('starts, reports its state and rate, and saves a snapshot at full bit depth with its metadata', async () => {
    const state = await ok<CaptureState>('capture.start', { sourceId: 'simulated', mode: { widthPx: 320, heightPx: 240, fps: 20 } });
    expect(state).toMatchObject({ sourceId: 'simulated', status: 'running', mode: { widthPx: 320, heightPx: 240 }, settings: { bitDepth: 16 } });
    await ok('capture.configure', { exposureMs: 30, gain: 1.5, objectiveId: '40x' });
    const stage = await ok<{ xUm: number; yUm: number; zUm: number }>('capture.moveStage', { xUm: 10, relative: true });
    const capture = await ok<Capture>('capture.snapshot', { sessionId: session.id });
    expect(capture).toMatchObject({ sessionId: session.id, width: 320, height: 240, bitDepth: 16, channels: 3, format: 'png' });
    expect(capture.pixelSizeUm).toBeCloseTo(6.5 / 40, 6);
    const meta = capture.metadata.capture as Record<string, unknown>;
    expect(meta).toMatchObject({
      exposureMs: 30,
      gain: 1.5,
      sensorBitDepth: 16,
      objective: { name: '40×/0.95', magnification: 40, numericalAperture: 0.95 },
      stage: { xUm: stage.xUm, yUm: stage.yUm, zUm: stage.zUm },
    });
    expect(Date.parse(capture.capturedAt)).toBeGreaterThan(Date.now() - 60_000);
    const file = path.join(services.libraryDir, capture.fileUrl.replace(/^\/library\//, ''));
    const decoded = await sharp(file).metadata();
    expect(decoded).toMatchObject({ width: 320, height: 240, depth: 'ushort', channels: 3 });
    await new Promise((r) => setTimeout(r, 500));
    const s = await ok<CaptureState>('capture.state', {});
    expect(s.frames).toBeGreaterThan(0);
    expect(s.sourceFps).toBeGreaterThan(0);
  });

  it('saves a burst of consecutive frames, each with its file', async () => {
    const { jobId } = await ok<{ jobId: string }>('capture.burst', { sessionId: session.id, frames: 6 });
    const end = await jobEnd(jobId);
    expect(end).toMatchObject({ state: 'done', done: 6, kind: 'capture.burst' });
    const captures = (await ok<Capture[]>('captures.list', { sessionId: session.id })).filter((c) => c.tags.includes('burst'));
    expect(captures).toHaveLength(6);
    const seqs = captures.map((c) => (c.metadata.capture as { frameSeq: number }).frameSeq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    for (const c of captures) expect(fs.existsSync(path.join(services.libraryDir, c.fileUrl.replace(/^\/library\//, '')))).toBe(true);
  });

  it('runs a short time-lapse at its interval', async () => {
    const { jobId } = await ok<{ jobId: string }>('capture.timelapse', { sessionId: session.id, frames: 3, intervalMs: 300 });
    expect(await jobEnd(jobId)).toMatchObject({ state: 'done', done: 3 });
    const frames = (await ok<Capture[]>('captures.list', { sessionId: session.id })).filter((c) => c.tags.includes('timelapse'));
    expect(frames).toHaveLength(3);
    const elapsed = frames.map((c) => ((c.metadata.capture as { timelapse: { elapsedMs: number } }).timelapse.elapsedMs));
    expect(elapsed[2]! - elapsed[0]!).toBeGreaterThanOrEqual(550);
  });

  it('tile-scans a 2×2 grid and stitches it into one more capture', async () => {
    await ok('capture.configure', { objectiveId: '20x' });
    const before = await ok<CaptureState>('capture.state', {});
    const { jobId } = await ok<{ jobId: string }>('capture.tileScan', { sessionId: session.id, columns: 2, rows: 2, overlap: 0.2 });
    expect(await jobEnd(jobId)).toMatchObject({ state: 'done' });
    const all = await ok<Capture[]>('captures.list', { sessionId: session.id });
    expect(all.filter((c) => c.tags.includes('tile'))).toHaveLength(4);
    const stitched = all.find((c) => c.tags.includes('stitched'))!;
    // 2 fields minus the overlap, give or take the measured correction.
    expect(Math.abs(stitched.width - Math.round(320 * 1.8))).toBeLessThanOrEqual(3);
    expect(Math.abs(stitched.height - Math.round(240 * 1.8))).toBeLessThanOrEqual(3);
    expect(stitched.bitDepth).toBe(16);
    // The stage returns to where the scan started.
    expect((await ok<CaptureState>('capture.state', {})).stage).toEqual(before.stage);
  });

  it('imports new files of a watched folder into the session, leaving files already there alone', async () => {
    const folder = path.join(root, 'watched');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'old.png'), await pngRgb8(20, 10));
    await ok('capture.watch', { sessionId: session.id, folder });
    const count = async () => (await ok<Capture[]>('captures.list', { sessionId: session.id })).filter((c) => c.originalName.startsWith('new-') || c.originalName === 'old.png').length;
    fs.writeFileSync(path.join(folder, 'new-1.png'), await pngRgb8(30, 20));
    const started = Date.now();
    while ((await count()) < 1 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 100));
    expect(await count()).toBe(1);
    const state = await ok<CaptureState>('capture.watch', { sessionId: session.id, folder: null });
    expect(state.watch).toBeNull();
  });

  it('autofocuses onto the in-focus z of the slide', async () => {
    await ok('capture.configure', { objectiveId: '40x' });
    const result = await ok<{ zUm: number; curve: { zUm: number; score: number }[] }>('capture.autofocus', { rangeUm: 16 });
    expect(Math.abs(result.zUm - services.capture.simulator().inFocusZUm)).toBeLessThanOrEqual(0.25);
    expect(result.curve.length).toBeGreaterThan(10);
    await ok('capture.configure', { objectiveId: '20x' });
  });

  it('exports registered training pairs (two objectives, same field) as .npy patches with a JSON index', async () => {
    const { jobId } = await ok<{ jobId: string }>('capture.trainingPairs', { sessionId: session.id, lowObjectiveId: '20x', highObjectiveId: '40x', fields: 2, patchPx: 32 });
    const end = await jobEnd(jobId);
    expect(end).toMatchObject({ state: 'done', done: 2, message: expect.stringMatching(/Exported \d+ patch pairs from 2 fields/) });
    const dir = /to (.+)\.$/.exec(end.message!)![1]!;
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    expect(index).toMatchObject({ ratio: 2, dtype: 'uint16', low: { patchPx: 32 }, high: { patchPx: 64 } });
    expect(index.fields).toHaveLength(2);
    for (const field of index.fields) {
      // The simulated stage is exact: registration finds the fields centred to a fraction of a pixel.
      expect(Math.abs(field.registration.shiftXPx)).toBeLessThan(0.5);
      expect(Math.abs(field.registration.shiftYPx)).toBeLessThan(0.5);
    }
    expect(index.patches.length).toBeGreaterThanOrEqual(4);
    const first = index.patches[0];
    const lowNpy = fs.readFileSync(path.join(dir, first.low));
    const highNpy = fs.readFileSync(path.join(dir, first.high));
    expect(lowNpy.subarray(10, 80).toString('latin1')).toMatch(/'descr': '<u2'.*'shape': \(3, 32, 32\)/);
    expect(highNpy.subarray(10, 80).toString('latin1')).toMatch(/'descr': '<u2'.*'shape': \(3, 64, 64\)/);
    // The pair shows the same specimen: the high patch binned 2×2 follows the low patch closely.
    const samples = (buf: Buffer) => new Uint16Array(buf.buffer.slice(buf.byteOffset + 128, buf.byteOffset + buf.length));
    const lo = samples(lowNpy);
    const hi = samples(highNpy);
    const a: number[] = [];
    const b: number[] = [];
    // All three bands summed (C×H×W planes), the high patch binned 2×2 onto the low grid.
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        let sa = 0;
        let sb = 0;
        for (let c = 0; c < 3; c++) {
          sa += lo[c * 1024 + y * 32 + x]!;
          const h = c * 4096;
          sb += hi[h + 2 * y * 64 + 2 * x]! + hi[h + 2 * y * 64 + 2 * x + 1]! + hi[h + (2 * y + 1) * 64 + 2 * x]! + hi[h + (2 * y + 1) * 64 + 2 * x + 1]!;
        }
        a.push(sa);
        b.push(sb);
      }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const ma = mean(a);
    const mb = mean(b);
    const cov = a.reduce((s, x, i) => s + (x - ma) * (b[i]! - mb), 0);
    const corr = cov / Math.sqrt(a.reduce((s, x) => s + (x - ma) ** 2, 0) * b.reduce((s, x) => s + (x - mb) ** 2, 0));
    expect(corr).toBeGreaterThan(0.8);
    const pairs = (await ok<Capture[]>('captures.list', { sessionId: session.id })).filter((c) => c.tags.includes('training-pair'));
    expect(pairs).toHaveLength(4);
    expect((await ok<CaptureState>('capture.state', {})).settings?.objectiveId).toBe('20x');
  });

  it('records a hologram-mode snapshot the holography service can reconstruct (optics in its metadata)', async () => {
    const holoSession = await ok<Session>('sessions.create', { title: 'Holo live', date: '2026-11-27', modality: 'hologram' });
    await ok('capture.configure', { imaging: 'hologram' });
    const capture = await ok<Capture>('capture.snapshot', { sessionId: holoSession.id });
    await ok('capture.configure', { imaging: 'bright-field' });
    expect(capture).toMatchObject({ width: 512, height: 512, channels: 1, bitDepth: 16 });
    const info = await ok<{ params: { wavelengthNm: number; pixelSizeUm: number; zUm: number } }>('holography.info', { captureId: capture.id });
    expect(info.params).toMatchObject({ wavelengthNm: 530, pixelSizeUm: 1.12, refractiveIndex: 1.33 });
    expect(info.params.zUm).toBeGreaterThan(700);
  });

  it('stops the camera', async () => {
    expect(await ok<CaptureState>('capture.stop', {})).toMatchObject({ status: 'stopped', sourceId: null });
  });
});
