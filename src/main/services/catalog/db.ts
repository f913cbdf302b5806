import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

/**
 * Opens (creating if needed) a catalog file and brings its schema up to date.
 *
 * - WAL: readers (the UI listing captures) never wait for an import's writes, and a crash mid-commit leaves the
 *   previous state intact.
 * - synchronous=FULL rather than NORMAL: with WAL, NORMAL is already crash-safe for a killed process, but after a
 *   power cut it may roll back the last commits. The library writes the image (fsynced) before its row, so a
 *   rolled-back row would only leave a sweepable orphan file — still, a technician who saw "imported" must find
 *   the capture after a power cut. Import cost is dominated by the per-file fsync anyway, so FULL is cheap here.
 * - foreign_keys is per connection in SQLite and off by default, so it is set on every open.
 * - busy_timeout: a second process (the CLI, or the browser host next to Electron) may hold the write lock briefly.
 */
export function openCatalog(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies each pending migration in its own transaction together with the user_version bump, so a crash between
 * two migrations leaves a catalog at a well-defined earlier version that the next open continues from.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = schemaVersion(db);
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > latest) {
    throw new Error(
      `The catalog was written by a newer Lucida (schema ${current}, this one knows ${latest}); update Lucida to open it.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    // BEGIN IMMEDIATE: two processes opening an old catalog at once must not both run the same migration.
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
