/**
 * Crash safety of imports: SIGKILL the browser host in the middle of a 50-file import, then check that SQLite is
 * intact, that every committed capture has its complete file, and that a restart sweeps whatever the kill left.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capture, JobProgress, Session } from '../src/shared/contract';
import { HostClient, startHost } from './host-client';

const FILES = 50;
let work: string;
let libraryDir: string;
const sources = new Map<string, string>(); // file name → sha256

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lucida-crash-'));
  libraryDir = path.join(work, 'library');
  fs.mkdirSync(path.join(work, 'src'));
  // Noise does not compress, so every file takes real time to decode, hash and copy.
  for (let i = 0; i < FILES; i++) {
    const raw = Buffer.alloc(512 * 512 * 3);
    let seed = i * 7919 + 1;
    for (let j = 0; j < raw.length; j++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      raw[j] = seed >> 16;
    }
    const file = path.join(work, 'src', `field-${String(i).padStart(2, '0')}.png`);
    await sharp(raw, { raw: { width: 512, height: 512, channels: 3 } }).png({ compressionLevel: 0 }).toFile(file);
    sources.set(path.basename(file), createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  }
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('SIGKILL of the host during a 50-file import', () => {
  it('leaves an intact catalog where every capture row has its complete file', async () => {
    const host = await startHost(libraryDir);
    const client = await HostClient.connect(host.url);
    const session = await client.value<Session>('sessions.create', { title: 'Crash run', date: '2026-11-27', modality: 'bright-field' });
    let killedAt = -1;
    const killed = new Promise<void>((resolve) => {
      client.onEvent((event, payload) => {
        const progress = payload as JobProgress;
        if (event === 'job.progress' && progress.done >= 5 && killedAt < 0) {
          killedAt = progress.done;
          host.child.kill('SIGKILL');
          resolve();
        }
      });
    });
    const paths = [...sources.keys()].map((name) => ({ kind: 'path', path: path.join(work, 'src', name) }));
    await client.value('captures.import', { sessionId: session.id, sources: paths });
    await killed;
    await new Promise((resolve) => host.child.once('exit', resolve));
    client.close();
    expect(killedAt).toBeGreaterThanOrEqual(5);
    expect(killedAt).toBeLessThan(FILES);

    const db = new Database(path.join(libraryDir, 'catalog.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const committed = (db.prepare('SELECT count(*) AS n FROM captures').get() as { n: number }).n;
    db.close();
    expect(committed).toBeGreaterThanOrEqual(killedAt);
    expect(committed).toBeLessThan(FILES);

    // After a restart every row's file is served whole, and no stray file is left behind in the library.
    const again = await startHost(libraryDir);
    try {
      const client2 = await HostClient.connect(again.url);
      const captures = await client2.value<Capture[]>('captures.list', { sessionId: session.id });
      expect(captures.length).toBe(committed);
      for (const capture of captures) {
        const bytes = Buffer.from(await (await fetch(new URL(capture.fileUrl, again.url))).arrayBuffer());
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(sources.get(capture.originalName));
      }
      const imageFiles = fs.readdirSync(path.join(libraryDir, 'images'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      expect(imageFiles.length).toBe(committed);
      client2.close();
    } finally {
      await again.stop();
    }
  }, 180_000);
});
