import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { JobProgress } from '../../../shared/contract';
import { createServices, type Services } from '..';
import { filesUnder, jpegRgb, pngGrey16, pngRgb8, removeDir, tempDir, tiffFloat32, tiffGrey16, truncatedPng, write } from './testing';

let root: string;
let libraryDir: string;
let sourceDir: string;
let services: Services;
let progress: JobProgress[];
let onProgress: ((p: JobProgress) => void) | null;

beforeEach(() => {
  root = tempDir();
  libraryDir = path.join(root, 'library');
  sourceDir = path.join(root, 'sources');
  fs.mkdirSync(sourceDir);
  progress = [];
  onProgress = null;
  services = createServices({
    libraryDir,
    resourcesDir: path.join(root, 'resources'),
    host: 'browser',
    appVersion: 'test',
    emit: (event, payload) => {
      if (event !== 'job.progress') return;
      progress.push(payload as JobProgress);
      onProgress?.(payload as JobProgress);
    },
    log: () => undefined,
  });
});
afterEach(async () => {
  await services.close();
  removeDir(root);
});

async function newSession(pixelSizeUm?: number): Promise<number> {
  return (await services.handlers['sessions.create']({ title: 'Import run', date: '2026-05-06', modality: 'bright-field', pixelSizeUm })).id;
}

async function runImport(sessionId: number, sources: Parameters<Services['handlers']['captures.import']>[0]['sources']) {
  const { jobId } = await services.handlers['captures.import']({ sessionId, sources });
  await services.idle();
  const mine = progress.filter((p) => p.jobId === jobId);
  return { jobId, events: mine, final: mine[mine.length - 1] };
}

const libraryFile = (url: string) => services.resolveLibraryFile(url);

describe('captures.import', () => {
  it('keeps PNG 8-bit RGB, PNG 16-bit grey, JPEG and TIFF 16-bit byte for byte, with the right shape and a thumbnail', async () => {
    const sessionId = await newSession(0.325);
    const cases = [
      { name: 'rgb8.png', data: await pngRgb8(64, 48), format: 'png', width: 64, height: 48, bitDepth: 8, channels: 3 },
      { name: 'grey16.png', data: await pngGrey16(70, 50), format: 'png', width: 70, height: 50, bitDepth: 16, channels: 1 },
      { name: 'photo.jpg', data: await jpegRgb(90, 40), format: 'jpeg', width: 90, height: 40, bitDepth: 8, channels: 3 },
      { name: 'camera16.tif', data: await tiffGrey16(300, 20), format: 'tiff', width: 300, height: 20, bitDepth: 16, channels: 1 },
    ];
    const sources = cases.map((c) => ({ kind: 'path' as const, path: write(sourceDir, c.name, c.data) }));
    const { final, events } = await runImport(sessionId, sources);
    expect(final).toMatchObject({ state: 'done', done: 4, total: 4, failures: [], current: null, kind: 'import' });
    expect(events[0]).toMatchObject({ state: 'running', done: 0 });

    const captures = await services.handlers['captures.list']({ sessionId });
    expect(captures).toHaveLength(4);
    for (const c of cases) {
      const row = captures.find((r) => r.originalName === c.name);
      expect(row, c.name).toMatchObject({ format: c.format, width: c.width, height: c.height, bitDepth: c.bitDepth, channels: c.channels, pixelSizeUm: 0.325, byteSize: c.data.length });
      const file = libraryFile(row!.fileUrl)!;
      expect(fs.readFileSync(file).equals(c.data), `${c.name} is byte-identical`).toBe(true);
      const thumb = await sharp(libraryFile(row!.thumbUrl)!).metadata();
      expect(thumb.format).toBe('png');
      expect(thumb.depth).toBe('uchar');
      expect(Math.max(thumb.width!, thumb.height!)).toBeLessThanOrEqual(256);
    }
    // The 300-px-wide TIFF is scaled down to the 256 px bound.
    const tiffThumb = await sharp(libraryFile(captures.find((r) => r.format === 'tiff')!.thumbUrl)!).metadata();
    expect(tiffThumb.width).toBe(256);
    // A 12-bit frame's preview is stretched to use the 8-bit range, not left near black.
    const greyThumb = await sharp(libraryFile(captures.find((r) => r.originalName === 'grey16.png')!.thumbUrl)!).stats();
    expect(greyThumb.channels[0].max).toBeGreaterThan(200);
    expect(filesUnder(path.join(libraryDir, 'images'))).toHaveLength(4);
    expect(filesUnder(path.join(libraryDir, 'thumbs'))).toHaveLength(4);
  });

  it('fails a text file renamed .png, a truncated PNG and a 0-byte file with one clear message each, adding nothing', async () => {
    const sessionId = await newSession();
    const sources = [
      write(sourceDir, 'notes.png', 'this is not an image, just text\n'),
      write(sourceDir, 'scan.png', await truncatedPng()),
      write(sourceDir, 'empty.png', Buffer.alloc(0)),
    ].map((p) => ({ kind: 'path' as const, path: p }));
    const { final } = await runImport(sessionId, sources);
    expect(final.state).toBe('failed');
    expect(final.done).toBe(3);
    expect(final.failures).toEqual([
      { name: 'notes.png', message: 'notes.png is not a readable image (it is not a PNG, JPEG or TIFF file).' },
      { name: 'scan.png', message: 'scan.png is not a readable image (the file is truncated).' },
      { name: 'empty.png', message: 'empty.png is not a readable image (the file is empty).' },
    ]);
    expect(await services.handlers['captures.list']({ sessionId })).toEqual([]);
    expect(filesUnder(path.join(libraryDir, 'images'))).toEqual([]);
    expect(filesUnder(path.join(libraryDir, 'thumbs'))).toEqual([]);
  });

  it('imports the good files of a mixed batch and reports the bad one', async () => {
    const sessionId = await newSession();
    const sources = [
      write(sourceDir, 'good.png', await pngRgb8()),
      write(sourceDir, 'bad.tif', 'II*\u0000garbage'),
      path.join(sourceDir, 'missing.png'),
    ].map((p) => ({ kind: 'path' as const, path: p }));
    const { final } = await runImport(sessionId, sources);
    expect(final.state).toBe('done');
    expect(final.message).toBe('Imported 1 of 3 files; 2 could not be imported.');
    expect(final.failures.map((f) => f.message)).toEqual([
      'bad.tif is not a readable image (the file is truncated).',
      'missing.png could not be read (the file does not exist).',
    ]);
    expect(await services.handlers['captures.list']({ sessionId })).toHaveLength(1);
    expect(filesUnder(path.join(libraryDir, 'images'))).toHaveLength(1);
  });

  it('imports staged uploads and removes the staged bytes afterwards', async () => {
    const sessionId = await newSession();
    const data = await pngGrey16(33, 22);
    const uploadId = await services.stageUpload(Readable.from([data.subarray(0, 10), data.subarray(10)]), 'upload16.png');
    expect(uploadId).toMatch(/^[a-f0-9-]{36}$/);
    const { final } = await runImport(sessionId, [{ kind: 'upload', uploadId, name: 'C:\\Users\\ada\\upload16.png' }]);
    expect(final.state).toBe('done');
    const [row] = await services.handlers['captures.list']({ sessionId });
    expect(row).toMatchObject({ originalName: 'upload16.png', bitDepth: 16, width: 33 });
    expect(fs.readFileSync(libraryFile(row.fileUrl)!).equals(data)).toBe(true);
    expect(filesUnder(path.join(libraryDir, '.staging'))).toEqual([]);
    const again = await runImport(sessionId, [{ kind: 'upload', uploadId, name: 'upload16.png' }]);
    expect(again.final.failures[0].message).toMatch(/upload16.png was not received completely/);
  });

  it('stops after the current file when cancelled', async () => {
    const sessionId = await newSession();
    const data = await pngRgb8(32, 32);
    const sources = Array.from({ length: 6 }, (_, i) => ({ kind: 'path' as const, path: write(sourceDir, `f${i}.png`, data) }));
    let jobId = '';
    let cancelAnswer: unknown = null;
    // Cancel the moment the second file becomes current: it finishes, the other four never start.
    onProgress = (p) => {
      if (p.current === 'f1.png' && cancelAnswer === null) cancelAnswer = services.handlers['jobs.cancel']({ jobId: p.jobId });
    };
    jobId = (await services.handlers['captures.import']({ sessionId, sources })).jobId;
    await services.idle();
    expect(await cancelAnswer).toEqual({ cancelled: true });
    const final = progress.filter((p) => p.jobId === jobId).pop()!;
    expect(final).toMatchObject({ state: 'cancelled', done: 2, total: 6, message: 'Import cancelled after 2 of 6 files; 2 imported.' });
    expect(await services.handlers['captures.list']({ sessionId })).toHaveLength(2);
    expect(filesUnder(path.join(libraryDir, 'images'))).toHaveLength(2);
    expect(await services.handlers['jobs.cancel']({ jobId })).toEqual({ cancelled: false });
  });

  it('keeps a float32 TIFF as 32-bit and draws a stretched preview', async () => {
    const sessionId = await newSession();
    const data = tiffFloat32(40, 30);
    const { final } = await runImport(sessionId, [{ kind: 'path', path: write(sourceDir, 'phase.tif', data) }]);
    expect(final.failures).toEqual([]);
    const [row] = await services.handlers['captures.list']({ sessionId });
    expect(row).toMatchObject({ format: 'tiff', bitDepth: 32, channels: 1, width: 40, height: 30 });
    expect(row.metadata).toMatchObject({ sampleType: 'float' });
    expect(fs.readFileSync(libraryFile(row.fileUrl)!).equals(data)).toBe(true);
    const stats = await sharp(libraryFile(row.thumbUrl)!).stats();
    expect(stats.channels[0].min).toBeLessThan(20);
    expect(stats.channels[0].max).toBeGreaterThan(235);
  });

  it('names the file when its session is deleted during the import', async () => {
    const sessionId = await newSession();
    const sources = [{ kind: 'path' as const, path: write(sourceDir, 'late.png', await pngRgb8()) }];
    const { jobId } = await services.handlers['captures.import']({ sessionId, sources });
    await services.handlers['sessions.delete']({ id: sessionId });
    await services.idle();
    const final = progress.filter((p) => p.jobId === jobId).pop()!;
    expect(final.failures).toEqual([{ name: 'late.png', message: 'late.png was not imported: its session was deleted meanwhile.' }]);
    expect(filesUnder(path.join(libraryDir, 'images'))).toEqual([]);
    expect(filesUnder(path.join(libraryDir, 'thumbs'))).toEqual([]);
  });

  it('refuses an import into a session that does not exist', async () => {
    await expect(async () => services.handlers['captures.import']({ sessionId: 404, sources: [{ kind: 'path', path: '/x.png' }] })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('deleting a capture removes its row first, then its files', async () => {
    const sessionId = await newSession();
    await runImport(sessionId, [{ kind: 'path', path: write(sourceDir, 'a.png', await pngRgb8()) }]);
    const [row] = await services.handlers['captures.list']({ sessionId });
    const file = libraryFile(row.fileUrl)!;
    expect(await services.handlers['captures.delete']({ id: row.id })).toEqual({ deleted: true });
    expect(fs.existsSync(file)).toBe(false);
    expect(filesUnder(path.join(libraryDir, 'thumbs'))).toEqual([]);
  });
});
