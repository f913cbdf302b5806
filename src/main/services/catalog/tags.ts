import type { Db } from './db';

export type TaggedEntity = 'specimen' | 'session' | 'capture';

const LINK: Record<TaggedEntity, { table: string; column: string }> = {
  specimen: { table: 'specimen_tags', column: 'specimen_id' },
  session: { table: 'session_tags', column: 'session_id' },
  capture: { table: 'capture_tags', column: 'capture_id' },
};

/** Trims, drops empties and folds case-insensitive duplicates, keeping the first spelling given. */
export function normaliseTags(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.trim().replace(/\s+/g, ' ');
    const key = name.toLowerCase();
    if (!name || seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** SQL expression yielding a JSON array of an entity's tag names, sorted; `alias.id` is the entity's id. */
export function tagsJsonSql(entity: TaggedEntity, alias: string): string {
  const { table, column } = LINK[entity];
  return `(SELECT json_group_array(name) FROM (SELECT t.name AS name FROM ${table} l JOIN tags t ON t.id = l.tag_id
           WHERE l.${column} = ${alias}.id ORDER BY t.name COLLATE NOCASE))`;
}

export function getTags(db: Db, entity: TaggedEntity, id: number): string[] {
  const { table, column } = LINK[entity];
  return db
    .prepare(`SELECT t.name FROM ${table} l JOIN tags t ON t.id = l.tag_id WHERE l.${column} = ? ORDER BY t.name COLLATE NOCASE`)
    .pluck()
    .all(id) as string[];
}

/**
 * Replaces an entity's tags. Must run inside the caller's transaction. A tag that already exists under another
 * capitalisation is reused, so "Tumour" and "tumour" stay one tag.
 */
export function setTags(db: Db, entity: TaggedEntity, id: number, names: readonly string[]): void {
  const { table, column } = LINK[entity];
  db.prepare(`DELETE FROM ${table} WHERE ${column} = ?`).run(id);
  const insertTag = db.prepare('INSERT INTO tags (name) VALUES (?) ON CONFLICT(name) DO NOTHING');
  const findTag = db.prepare('SELECT id FROM tags WHERE name = ?').pluck();
  const link = db.prepare(`INSERT OR IGNORE INTO ${table} (${column}, tag_id) VALUES (?, ?)`);
  for (const name of normaliseTags(names)) {
    insertTag.run(name);
    link.run(id, findTag.get(name) as number);
  }
  pruneUnusedTags(db);
}

export function pruneUnusedTags(db: Db): void {
  db.exec(`DELETE FROM tags WHERE id NOT IN (
    SELECT tag_id FROM specimen_tags UNION SELECT tag_id FROM session_tags UNION SELECT tag_id FROM capture_tags)`);
}
