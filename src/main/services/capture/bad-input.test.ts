/**
 * Capture under bad input, with the real catalog and library: a camera that disappears mid-stream, a pixel format
 * the source cannot deliver, and a disk that fills up during a burst. Each must end in a sentence a person can act
 * on and must not lose or damage a capture that was already committed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallName, Capture, CaptureState, JobProgress, Session } from '../../../shared/contract';
import type { Dispatch } from '../../rpc';
import type { Services } from '..';
import { callChecked, servicesForTest } from '../testing';
import { removeDir, tempDir } from '../library/testing';
import { checkFfmpeg, FfmpegCamera, supportedPixelFormats } from './ffmpeg';
import { storeFiles } from './store';

const haveFfmpeg = (await checkFfmpeg()) === null;

let root: string;
let services: Services;
let dispatch: Dispatch;
const progress: JobProgress[] = [];
let session: Session;
let closed = false;

const ok = <T>(channel: CallName, payload: unknown): Promise<T> => callChecked(dispatch, channel, payload) as Promise<T>;

function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const value = probe();
      if (value) resolve(value);
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

const jobEnd = (jobId: string) => waitFor(`job ${jobId} to end`, () => progress.find((p) => p.jobId === jobId && p.state !== 'running'), 60_000);
const fileOf = (c: Capture) => path.join(services.libraryDir, c.fileUrl.replace(/^\/library\//, ''));
const thumbOf = (c: Capture) => path.join(services.libraryDir, c.thumbUrl.replace(/^\/library\//, ''));
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every file below a folder (relative paths). */
function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Each committed capture has its image (same bytes as the row's hash) and its thumbnail. */
function expectIntact(captures: Capture[]): void {
  for (const c of captures) {
    expect(fs.existsSync(fileOf(c)), `${c.originalName} has its file`).toBe(true);
    expect(sha256(fileOf(c)), `${c.originalName} file matches its row`).toBe(c.sha256);
    expect(fs.statSync(fileOf(c)).size).toBe(c.byteSize);
    expect(fs.existsSync(thumbOf(c)), `${c.originalName} has its thumbnail`).toBe(true);
  }
}

beforeAll(async () => {
  root = tempDir('lucida-capture-bad-');
  ({ services, dispatch } = servicesForTest(root, { progress }));
  session = await ok<Session>('sessions.create', { title: 'Bad input', date: '2026-11-27', modality: 'bright-field' });
});

afterEach(() => {
  storeFiles.writeDurably = originalWrite;
});

afterAll(async () => {
  if (!closed) await services.close();
  removeDir(root);
});

const originalWrite = storeFiles.writeDurably;

describe('an unsupported pixel format', () => {
  it('lists the formats a source supports: a device its own, the test pattern the full-depth layouts', () => {
    expect(supportedPixelFormats({ kind: 'test-pattern', modes: [] })).toEqual(['gray', 'gray16le', 'rgb24', 'rgb48le']);
    const modes = [
      { widthPx: 640, heightPx: 480, fps: 30, pixelFormat: 'yuyv422' },
      { widthPx: 1280, heightPx: 720, fps: 30, pixelFormat: 'yuyv422' },
      { widthPx: 1920, heightPx: 1080, fps: 30, pixelFormat: 'mjpeg' },
    ];
    expect(supportedPixelFormats({ kind: 'ffmpeg', modes })).toEqual(['yuyv422', 'mjpeg']);
  });

  it('is refused for the simulated microscope with a sentence naming what it supports; nothing starts', async () => {
    for (const pixelFormat of ['yuv420p10le', 'not a format']) {
      const envelope = await dispatch('capture.start', { sourceId: 'simulated', mode: { pixelFormat } });
      expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      const message = envelope.ok ? '' : envelope.error.message;
      expect(message).toContain(`“${pixelFormat}”`);
      expect(message).toMatch(/it supports rgb48le\. Nothing was started\.$/);
    }
    expect(await ok<CaptureState>('capture.state', {})).toMatchObject({ status: 'stopped', sourceId: null, frames: 0 });
  });

  it.skipIf(!haveFfmpeg)('is refused for an ffmpeg source before ffmpeg runs, and a running camera keeps running', async () => {
    await ok('capture.start', { sourceId: 'simulated', mode: { widthPx: 160, heightPx: 120, fps: 20 } });
    try {
      const envelope = await dispatch('capture.start', { sourceId: 'test-pattern', mode: { widthPx: 160, heightPx: 120, fps: 10, pixelFormat: 'yuv420p10le' } });
      expect(envelope).toMatchObject({
        ok: false,
        error: { code: 'invalid-input', message: 'ffmpeg test pattern (testsrc2) cannot deliver the pixel format “yuv420p10le”; it supports gray, gray16le, rgb24, rgb48le. Nothing was started.' },
      });
      const state = await ok<CaptureState>('capture.state', {});
      expect(state).toMatchObject({ sourceId: 'simulated', status: 'running' });
      expect(services.capture.activeSource()).not.toBeInstanceOf(FfmpegCamera);
    } finally {
      await ok('capture.stop', {});
    }
  });
});

describe.skipIf(!haveFfmpeg)('a camera that disappears mid-stream', () => {
  it('says so in words, reconnects, and the burst it interrupted keeps every committed frame', async () => {
    await ok('capture.start', { sourceId: 'test-pattern', mode: { widthPx: 160, heightPx: 120, fps: 10, pixelFormat: 'rgb24' } });
    try {
      const camera = services.capture.activeSource();
      expect(camera).toBeInstanceOf(FfmpegCamera);
      const { jobId } = await ok<{ jobId: string }>('capture.burst', { sessionId: session.id, frames: 6 });
      await waitFor('two burst frames saved', () => progress.some((p) => p.jobId === jobId && p.done >= 2));
      const before = (await ok<Capture[]>('captures.list', { sessionId: session.id })).filter((c) => c.tags.includes('burst'));
      expect(before.length).toBeGreaterThanOrEqual(2);
      // The device goes away: ffmpeg dies as it does when a USB camera is unplugged.
      (camera as FfmpegCamera).killProcessForTest();
      const reconnecting = await waitFor('the reconnecting state', () => {
        const s = camera!.state();
        return s.status === 'reconnecting' ? s : null;
      });
      expect(reconnecting.message).toMatch(/^ffmpeg test pattern \(testsrc2\) disconnected or stopped sending frames \(.+\); reconnecting, attempt 1 in 0\.5 s…$/);
      // The host's own state carries the same sentence for the Capture section's status line.
      const seen = await ok<CaptureState>('capture.state', {});
      expect(['reconnecting', 'running']).toContain(seen.status);
      // Frames resume after the reconnect and the burst finishes.
      const end = await jobEnd(jobId);
      expect(end).toMatchObject({ state: 'done', done: 6, message: expect.stringMatching(/^Saved 6 of 6 frames/) });
      expect((await ok<CaptureState>('capture.state', {})).status).toBe('running');
      const after = (await ok<Capture[]>('captures.list', { sessionId: session.id })).filter((c) => c.tags.includes('burst'));
      expect(after).toHaveLength(6);
      // What was committed before the camera went away is unchanged, byte for byte.
      for (const c of before) expect(after.find((a) => a.id === c.id)).toEqual(c);
      expectIntact(after);
    } finally {
      await ok('capture.stop', {});
    }
  });
});

describe('a full disk during a burst', () => {
  it('stops the burst with a sentence naming the folder; committed captures keep file and row; nothing half-written remains', async () => {
    await ok('capture.start', { sourceId: 'simulated', mode: { widthPx: 160, heightPx: 120, fps: 20 } });
    const fullSession = await ok<Session>('sessions.create', { title: 'Full disk', date: '2026-11-27', modality: 'bright-field' });
    const imagesDir = path.join(services.libraryDir, 'images', `s${fullSession.id}`);
    // The fourth image write finds the disk full after writing part of the file, as a real write(2) does.
    let imageWrites = 0;
    storeFiles.writeDurably = async (dest: string, data: Buffer) => {
      if (dest.startsWith(imagesDir + path.sep) && ++imageWrites === 4) {
        fs.writeFileSync(dest, data.subarray(0, data.length >> 1), { flag: 'wx' });
        throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      }
      return originalWrite(dest, data);
    };
    try {
      const { jobId } = await ok<{ jobId: string }>('capture.burst', { sessionId: fullSession.id, frames: 8 });
      const end = await jobEnd(jobId);
      expect(end.state).toBe('failed');
      expect(end.message).toMatch(
        new RegExp(`^The disk is full: burst-[0-9a-f]{8}-0004\\.png could not be written to ${imagesDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. Free some space on that disk and capture again; captures already saved are kept\\. The burst stopped after 3 of 8 frames\\.$`),
      );
      // The burst stopped: no write was attempted after the failing one.
      expect(imageWrites).toBe(4);
      const captures = await ok<Capture[]>('captures.list', { sessionId: fullSession.id });
      expect(captures.map((c) => c.originalName.replace(/^burst-[0-9a-f]{8}-/, ''))).toEqual(['0001.png', '0002.png', '0003.png']);
      expectIntact(captures);
      // No half-written file under a final name, and no temp file left behind either.
      const onDisk = [...filesBelow(imagesDir).map((f) => `images/${f}`), ...filesBelow(path.join(services.libraryDir, 'thumbs', `s${fullSession.id}`)).map((f) => `thumbs/${f}`)];
      expect(onDisk.filter((f) => f.endsWith('.partial'))).toEqual([]);
      expect(onDisk.sort()).toEqual(captures.flatMap((c) => [c.fileUrl, c.thumbUrl].map((u) => u.replace(/^\/library\//, '')).map((u) => u.replace(/^(images|thumbs)\/s\d+\//, `$1/`))).sort());
      // With room again, capturing works and the earlier frames are still there.
      storeFiles.writeDurably = originalWrite;
      const next = await ok<Capture>('capture.snapshot', { sessionId: fullSession.id });
      expect((await ok<Capture[]>('captures.list', { sessionId: fullSession.id })).map((c) => c.id)).toEqual([...captures.map((c) => c.id), next.id]);
    } finally {
      await ok('capture.stop', {});
    }
    // The catalog on disk is sound and holds exactly the committed rows.
    await services.close();
    closed = true;
    const db = new Database(path.join(services.libraryDir, 'catalog.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT COUNT(*) AS n FROM captures WHERE session_id = ?').get(fullSession.id)).toEqual({ n: 4 });
    } finally {
      db.close();
    }
  });
});
