import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../library/testing';
import { migrate } from '../db';
import { migration0001 } from './0001-initial';
import { migration0002 } from './0002-search';

describe('migration 0002-search', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = tempDir();
    db = new Database(path.join(dir, 'catalog.sqlite'));
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  it('upgrades a version-1 catalog to 2 and keeps its rows', () => {
    migrate(db, [migration0001]);
    db.prepare("INSERT INTO specimens (accession_id, created_at, updated_at) VALUES ('KEEP-1', 'x', 'x')").run();
    migrate(db, [migration0001, migration0002]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT accession_id FROM specimens').pluck().all()).toEqual(['KEEP-1']);
  });

  it('creates an FTS5 table that matches by prefix and folds diacritics', () => {
    migrate(db, [migration0001, migration0002]);
    const insert = db.prepare('INSERT INTO search_index (rowid, kind, ref_id, session_id, title, body) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run(5, 'specimen', 1, null, 'BREAST-001', 'Hématoxyline éosine');
    const match = (q: string) => db.prepare('SELECT ref_id FROM search_index WHERE search_index MATCH ?').pluck().all(q);
    expect(match('"bre"*')).toEqual([1]);
    expect(match('"hematoxyline"')).toEqual([1]);
    expect(match('"lung"*')).toEqual([]);
  });

  it('leaves the catalog at version 1 when the migration fails part way', () => {
    migrate(db, [migration0001]);
    const broken = { ...migration0002, up: (d: Database.Database) => (migration0002.up(d), d.exec('SELECT * FROM no_such_table')) };
    expect(() => migrate(db, [migration0001, broken])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'search_index'").pluck().get()).toBe(0);
  });
});
