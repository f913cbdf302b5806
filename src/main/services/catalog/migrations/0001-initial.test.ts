import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../library/testing';
import { migrate } from '../db';
import { migration0001 } from './0001-initial';

describe('migration 0001-initial', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = tempDir();
    db = new Database(path.join(dir, 'catalog.sqlite'));
    db.pragma('foreign_keys = ON');
    migrate(db, [migration0001]);
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  const now = '2026-01-01T00:00:00.000Z';
  const addSession = (modality = 'bright-field', specimenId: number | null = null) =>
    db
      .prepare(`INSERT INTO sessions (specimen_id, title, date, modality, created_at, updated_at) VALUES (?, 't', '2026-01-01', ?, ?, ?)`)
      .run(specimenId, modality, now, now);

  it('creates every table and sets user_version to 1', () => {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['specimens', 'sessions', 'captures', 'derivatives', 'annotations', 'tags', 'specimen_tags', 'session_tags', 'capture_tags']),
    );
    expect(db.pragma('user_version', { simple: true })).toBe(1);
  });

  it('keeps accession ids unique regardless of case', () => {
    const insert = db.prepare('INSERT INTO specimens (accession_id, created_at, updated_at) VALUES (?, ?, ?)');
    insert.run('BREAST-001', now, now);
    expect(() => insert.run('breast-001', now, now)).toThrow(/UNIQUE/);
  });

  it('rejects an unknown modality and a zero pixel size', () => {
    expect(() => addSession('x-ray')).toThrow(/CHECK/);
    expect(() =>
      db
        .prepare(`INSERT INTO sessions (title, date, modality, pixel_size_um, created_at, updated_at) VALUES ('t', '2026-01-01', 'hologram', 0, ?, ?)`)
        .run(now, now),
    ).toThrow(/CHECK/);
  });

  it('enforces foreign keys: no session for a missing specimen, no specimen deleted under a session', () => {
    expect(() => addSession('bright-field', 99)).toThrow(/FOREIGN KEY/);
    const specimenId = db.prepare("INSERT INTO specimens (accession_id, created_at, updated_at) VALUES ('A', ?, ?)").run(now, now).lastInsertRowid;
    addSession('bright-field', Number(specimenId));
    expect(() => db.prepare('DELETE FROM specimens WHERE id = ?').run(specimenId)).toThrow(/FOREIGN KEY/);
  });

  it('cascades derivatives, annotations and tag links with their capture', () => {
    const sessionId = Number(addSession().lastInsertRowid);
    const captureId = Number(
      db
        .prepare(
          `INSERT INTO captures (session_id, file, sha256, byte_size, original_name, format, width, height, bit_depth, channels,
             captured_at, thumbnail, created_at) VALUES (?, 'images/a.png', 'x', 1, 'a.png', 'png', 1, 1, 8, 1, ?, 'thumbs/a.png', ?)`,
        )
        .run(sessionId, now, now).lastInsertRowid,
    );
    db.prepare(
      `INSERT INTO derivatives (capture_id, kind, file, width, height, dtype, channels, created_at) VALUES (?, 'enhanced', 'derived/a.tif', 2, 2, 'float32', 1, ?)`,
    ).run(captureId, now);
    db.prepare(`INSERT INTO annotations (capture_id, kind, geometry_um, created_at, updated_at) VALUES (?, 'point', '{"x":1,"y":2}', ?, ?)`).run(
      captureId,
      now,
      now,
    );
    const tagId = db.prepare("INSERT INTO tags (name) VALUES ('tumour')").run().lastInsertRowid;
    db.prepare('INSERT INTO capture_tags (capture_id, tag_id) VALUES (?, ?)').run(captureId, tagId);
    db.prepare('DELETE FROM captures WHERE id = ?').run(captureId);
    for (const table of ['derivatives', 'annotations', 'capture_tags']) {
      expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
    }
  });

  it('rejects annotation geometry that is not JSON', () => {
    expect(() =>
      db.prepare(`INSERT INTO annotations (capture_id, kind, geometry_um, created_at, updated_at) VALUES (1, 'point', 'not json', ?, ?)`).run(now, now),
    ).toThrow();
  });
});
