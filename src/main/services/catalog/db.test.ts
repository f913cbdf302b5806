import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../library/testing';
import { openCatalog, schemaVersion } from './db';
import { SCHEMA_VERSION } from './migrations';

describe('openCatalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => removeDir(dir));

  it('opens in WAL mode with foreign keys on, full sync, a busy timeout and a sound file', () => {
    const db = openCatalog(path.join(dir, 'catalog.sqlite'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('reopens an up-to-date catalog without re-running migrations', () => {
    const file = path.join(dir, 'catalog.sqlite');
    const first = openCatalog(file);
    first.prepare("INSERT INTO specimens (accession_id, created_at, updated_at) VALUES ('A-1', 'x', 'x')").run();
    first.close();
    const second = openCatalog(file);
    try {
      expect(second.prepare('SELECT accession_id FROM specimens').pluck().all()).toEqual(['A-1']);
    } finally {
      second.close();
    }
  });

  it('refuses a catalog from a newer Lucida instead of guessing', () => {
    const file = path.join(dir, 'catalog.sqlite');
    const db = openCatalog(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openCatalog(file)).toThrow(/newer Lucida/);
  });
});
