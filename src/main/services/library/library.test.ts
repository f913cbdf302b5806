import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '..';
import { openLibrary } from './library';
import { filesUnder, pngRgb8, removeDir, tempDir, write } from './testing';

let root: string;
let libraryDir: string;
beforeEach(() => {
  root = tempDir();
  libraryDir = path.join(root, 'library');
});
afterEach(() => removeDir(root));

const open = (): Services =>
  createServices({ libraryDir, resourcesDir: root, host: 'electron', appVersion: 'test', emit: () => undefined, log: () => undefined });

async function importOne(services: Services, name: string): Promise<{ sessionId: number }> {
  const sessionId = (await services.handlers['sessions.create']({ title: 'Run', date: '2026-01-02', modality: 'smartphone' })).id;
  const file = write(root, name, await pngRgb8());
  await services.handlers['captures.import']({ sessionId, sources: [{ kind: 'path', path: file }] });
  await services.idle();
  return { sessionId };
}

describe('library folder', () => {
  it('creates its layout on first open', () => {
    const library = openLibrary(libraryDir);
    library.close();
    for (const sub of ['catalog.sqlite', 'images', 'thumbs', 'tiles', 'derived', '.staging']) {
      expect(fs.existsSync(path.join(libraryDir, sub)), sub).toBe(true);
    }
  });

  it('survives close and reopen with everything in it', async () => {
    let services = open();
    const specimen = await services.handlers['specimens.create']({ accessionId: 'KEEP-1', tags: ['archive'] });
    const { sessionId } = await importOne(services, 'kept.png');
    await services.close();

    services = open();
    try {
      expect((await services.handlers['specimens.list']({})).map((s) => s.accessionId)).toEqual(['KEEP-1']);
      const [capture] = await services.handlers['captures.list']({ sessionId });
      expect(capture.originalName).toBe('kept.png');
      expect(services.resolveLibraryFile(capture.fileUrl)).not.toBeNull();
      expect(services.resolveLibraryFile(capture.thumbUrl)).not.toBeNull();
      expect((await services.handlers['search.query']({ text: 'archive' })).map((h) => h.id)).toEqual([specimen.id]);
      const db = openLibrary(libraryDir).db;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    } finally {
      await services.close();
    }
  });

  it('sweeps on open: temp files, files with no row (the crash window) and staged uploads go; referenced files stay', async () => {
    let services = open();
    const { sessionId } = await importOne(services, 'real.png');
    await services.close();
    const kept = filesUnder(path.join(libraryDir, 'images'));
    expect(kept).toHaveLength(1);
    const keptThumbs = filesUnder(path.join(libraryDir, 'thumbs'));
    // The import prepared the capture's viewer overview under tiles/ (a cache).
    const keptTiles = filesUnder(path.join(libraryDir, 'tiles'));

    // What a process killed mid-import leaves: a temp copy, a renamed image and thumbnail whose row never
    // committed, a derived file without a row, and a half-received upload.
    write(path.join(libraryDir, 'images', `s${sessionId}`), 'abc.png.1234.partial', 'half');
    write(path.join(libraryDir, 'images', `s${sessionId}`), 'orphan.png', await pngRgb8());
    write(path.join(libraryDir, 'thumbs', `s${sessionId}`), 'orphan.png', await pngRgb8());
    write(path.join(libraryDir, 'derived'), 'lost.tif', 'x');
    write(path.join(libraryDir, 'derived'), 'lost.f32.json', '{}');
    write(path.join(libraryDir, 'derived'), 'half.f32.part', 'x');
    fs.mkdirSync(path.join(libraryDir, 'images', 's999', 'empty'), { recursive: true });
    write(path.join(libraryDir, '.staging'), '0f8fad5b-d9cb-469f-a165-70867728950e', 'partial upload');
    // tiles/ is a cache rebuilt from the images; the sweep leaves it alone.
    write(path.join(libraryDir, 'tiles'), 'cache.bin', 'x');

    services = open();
    try {
      expect(filesUnder(path.join(libraryDir, 'images'))).toEqual(kept);
      expect(filesUnder(path.join(libraryDir, 'thumbs'))).toEqual(keptThumbs);
      expect(filesUnder(path.join(libraryDir, 'derived'))).toEqual([]);
      expect(fs.existsSync(path.join(libraryDir, 'images', 's999'))).toBe(false);
      expect(filesUnder(path.join(libraryDir, '.staging'))).toEqual([]);
      expect(filesUnder(path.join(libraryDir, 'tiles')).sort()).toEqual([...keptTiles, 'cache.bin'].sort());
      expect(await services.handlers['captures.list']({ sessionId })).toHaveLength(1);
    } finally {
      await services.close();
    }
  });

  it('does not sweep while another live process holds the library', () => {
    fs.mkdirSync(path.join(libraryDir, 'images'), { recursive: true });
    // The parent of this test process is alive and is not us.
    fs.writeFileSync(path.join(libraryDir, '.lucida.lock'), String(process.ppid));
    write(path.join(libraryDir, 'images'), 'in-flight.png.1.partial', 'x');
    const library = openLibrary(libraryDir);
    try {
      expect(library.sweepReport.skipped).toBe(true);
      expect(filesUnder(path.join(libraryDir, 'images'))).toEqual(['in-flight.png.1.partial']);
    } finally {
      library.close();
    }
    // ...and a stale lock from a process that is gone is taken over.
    fs.writeFileSync(path.join(libraryDir, '.lucida.lock'), '999999999');
    const again = openLibrary(libraryDir);
    try {
      expect(again.sweepReport.skipped).toBe(false);
      expect(filesUnder(path.join(libraryDir, 'images'))).toEqual([]);
    } finally {
      again.close();
    }
    expect(fs.existsSync(path.join(libraryDir, '.lucida.lock'))).toBe(false);
  });
});

describe('stageUpload', () => {
  it('refuses an upload over the size limit, naming it, and leaves nothing staged', async () => {
    const library = openLibrary(libraryDir, undefined, { maxUploadBytes: 1000 });
    try {
      await expect(library.stageUpload(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 'huge.tif')).rejects.toMatchObject({
        code: 'invalid-input',
        message: 'huge.tif is larger than 1000 bytes, the most Lucida accepts in one upload.',
      });
      const id = await library.stageUpload(Readable.from([Buffer.alloc(999)]), 'ok.tif');
      expect(library.stagedPath(id)).not.toBeNull();
      expect(library.stagedPath('../catalog.sqlite')).toBeNull();
      expect(filesUnder(path.join(libraryDir, '.staging'))).toEqual([id]);
    } finally {
      library.close();
    }
  });

  it('removes a half-received upload when the stream breaks', async () => {
    const library = openLibrary(libraryDir);
    try {
      const broken = new Readable({
        read() {
          this.push(Buffer.alloc(100));
          this.destroy(new Error('connection reset'));
        },
      });
      await expect(library.stageUpload(broken, 'cut.png')).rejects.toMatchObject({ message: 'The upload of cut.png did not complete; try again.' });
      expect(filesUnder(path.join(libraryDir, '.staging'))).toEqual([]);
    } finally {
      library.close();
    }
  });
});

describe('sweep and derivatives', () => {
  it('keeps a derivative file and its sidecars, drops unreferenced ones', async () => {
    let services = open();
    const { sessionId } = await importOne(services, 'base.png');
    const [capture] = await services.handlers['captures.list']({ sessionId });
    await services.close();
    const db = openLibrary(libraryDir).db;
    db.prepare(
      `INSERT INTO derivatives (capture_id, kind, file, width, height, dtype, channels, created_at)
       VALUES (?, 'phase', 'derived/c1/phase.f32', 4, 4, 'float32', 1, 'now')`,
    ).run(capture.id);
    db.close();
    fs.mkdirSync(path.join(libraryDir, 'derived', 'c1'), { recursive: true });
    for (const name of ['phase.f32', 'phase.f32.json', 'phase.png', 'phase.f32.part', 'other.f32']) {
      write(path.join(libraryDir, 'derived', 'c1'), name, 'x');
    }
    services = open();
    try {
      expect(filesUnder(path.join(libraryDir, 'derived'))).toEqual(['c1/phase.f32', 'c1/phase.f32.json', 'c1/phase.png'].map((f) => path.normalize(f)));
    } finally {
      await services.close();
    }
  });
});

describe('close', () => {
  it('closes the catalog synchronously when nothing runs, and waits for a running import otherwise', async () => {
    const services = open();
    void services.close();
    // The lock is released only when the catalog is closed.
    expect(fs.existsSync(path.join(libraryDir, '.lucida.lock'))).toBe(false);

    const busy = open();
    const sessionId = (await busy.handlers['sessions.create']({ title: 'Busy', date: '2026-01-02', modality: 'smartphone' })).id;
    const data = await pngRgb8();
    const sources = Array.from({ length: 5 }, (_, i) => ({ kind: 'path' as const, path: write(root, `b${i}.png`, data) }));
    await busy.handlers['captures.import']({ sessionId, sources });
    await busy.close();
    await expect(async () => busy.handlers['specimens.create']({ accessionId: 'LATE' })).rejects.toMatchObject({ message: expect.stringMatching(/shutting down/) });

    const reopened = open();
    try {
      const count = (await reopened.handlers['captures.list']({ sessionId })).length;
      expect(count).toBeLessThan(5);
      expect(filesUnder(path.join(libraryDir, 'images'))).toHaveLength(count);
    } finally {
      await reopened.close();
    }
  });
});
