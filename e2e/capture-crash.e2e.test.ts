/**
 * Crash safety of acquisitions: SIGKILL the browser host in the middle of a 100-frame burst from the simulated
 * microscope, then check that SQLite is intact, that every committed capture has its complete file (same bytes as
 * its row's sha256), that no image under its final name is half-written, and that a restart leaves exactly one
 * file per row.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Capture, JobProgress, Session } from '../src/shared/contract';
import { HostClient, startHost } from './host-client';

const FRAMES = 100;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lucida-capture-crash-'));
const libraryDir = path.join(work, 'library');

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : [];
}

describe('SIGKILL of the host during a 100-frame burst', () => {
  it('leaves an intact catalog where every capture row has its complete file', async () => {
    const host = await startHost(libraryDir);
    const client = await HostClient.connect(host.url);
    const session = await client.value<Session>('sessions.create', { title: 'Burst crash', date: '2026-11-27', modality: 'bright-field' });
    await client.value('capture.start', { sourceId: 'simulated', mode: { widthPx: 640, heightPx: 480, fps: 30 } });
    let killedAt = -1;
    const killed = new Promise<void>((resolve) => {
      client.onEvent((event, payload) => {
        const progress = payload as JobProgress;
        if (event === 'job.progress' && progress.kind === 'capture.burst' && progress.done >= 10 && killedAt < 0) {
          killedAt = progress.done;
          // A little later than the row commit, so the kill lands while the next frame is being written.
          setTimeout(() => {
            host.child.kill('SIGKILL');
            resolve();
          }, 40);
        }
      });
    });
    await client.value('capture.burst', { sessionId: session.id, frames: FRAMES });
    await killed;
    await new Promise((resolve) => host.child.once('exit', resolve));
    client.close();
    expect(killedAt).toBeGreaterThanOrEqual(10);

    // Straight after the kill, before anything sweeps: the catalog is intact and every row's file is whole.
    const db = new Database(path.join(libraryDir, 'catalog.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT file, thumbnail, sha256, byte_size FROM captures').all() as { file: string; thumbnail: string; sha256: string; byte_size: number }[];
    db.close();
    expect(rows.length).toBeGreaterThanOrEqual(killedAt);
    expect(rows.length).toBeLessThan(FRAMES);
    for (const row of rows) {
      const bytes = fs.readFileSync(path.join(libraryDir, ...row.file.split('/')));
      expect(bytes.length).toBe(row.byte_size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.sha256);
      expect(fs.existsSync(path.join(libraryDir, ...row.thumbnail.split('/')))).toBe(true);
    }
    // Any image under a final name (not a .partial temp) decodes completely: renames happen only after fsync.
    const finals = filesUnder(path.join(libraryDir, 'images')).filter((f) => !f.endsWith('.partial'));
    for (const file of finals) await expect(sharp(file, { failOn: 'error' }).raw().toBuffer()).resolves.toBeInstanceOf(Buffer);
    expect(finals.length - rows.length).toBeLessThanOrEqual(1);
    console.log(`[capture-crash] killed after ${killedAt} saved frames: ${rows.length} rows, ${finals.length} images under final names, ${filesUnder(path.join(libraryDir, 'images')).length - finals.length} temp files`);

    // After a restart every row's file is served whole, and the sweep left no stray file behind.
    const again = await startHost(libraryDir);
    try {
      const client2 = await HostClient.connect(again.url);
      const captures = await client2.value<Capture[]>('captures.list', { sessionId: session.id });
      expect(captures.length).toBe(rows.length);
      const first = captures[0]!;
      expect(first).toMatchObject({ width: 640, height: 480, bitDepth: 16 });
      const served = Buffer.from(await (await fetch(new URL(first.fileUrl, again.url))).arrayBuffer());
      expect(createHash('sha256').update(served).digest('hex')).toBe(first.sha256);
      expect(filesUnder(path.join(libraryDir, 'images')).length).toBe(rows.length);
      client2.close();
    } finally {
      await again.stop();
    }
  }, 180_000);
});
