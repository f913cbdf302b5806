import type { Specimen, SpecimenInput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from './db';
import { reindexSession, reindexSpecimen, unindex } from './search';
import { pruneUnusedTags, setTags, tagsJsonSql } from './tags';
import { isUniqueViolation, notFound, nowIso, parseJsonStrings, plural, textOrNull } from './util';

interface SpecimenRow {
  id: number;
  accession_id: string;
  tissue: string | null;
  stain: string | null;
  preparation: string | null;
  notes: string | null;
  created_at: string;
  updated_at: string;
  tags: string;
  session_count: number;
}

const SELECT = `SELECT sp.*, ${tagsJsonSql('specimen', 'sp')} AS tags,
  (SELECT count(*) FROM sessions s WHERE s.specimen_id = sp.id) AS session_count FROM specimens sp`;

const toSpecimen = (r: SpecimenRow): Specimen => ({
  id: r.id,
  accessionId: r.accession_id,
  tissue: r.tissue,
  stain: r.stain,
  preparation: r.preparation,
  notes: r.notes,
  tags: parseJsonStrings(r.tags),
  sessionCount: r.session_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const duplicate = (accessionId: string): AppError =>
  new AppError('conflict', `A specimen with accession id “${accessionId}” already exists.`);

export function listSpecimens(db: Db): Specimen[] {
  return (db.prepare(`${SELECT} ORDER BY sp.created_at DESC, sp.id DESC`).all() as SpecimenRow[]).map(toSpecimen);
}

export function getSpecimen(db: Db, id: number): Specimen {
  const row = db.prepare(`${SELECT} WHERE sp.id = ?`).get(id) as SpecimenRow | undefined;
  if (!row) throw notFound('specimen');
  return toSpecimen(row);
}

export function createSpecimen(db: Db, input: SpecimenInput): Specimen {
  const id = db.transaction(() => {
    const now = nowIso();
    let newId: number;
    try {
      newId = Number(
        db
          .prepare(
            `INSERT INTO specimens (accession_id, tissue, stain, preparation, notes, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(input.accessionId.trim(), textOrNull(input.tissue), textOrNull(input.stain), textOrNull(input.preparation), textOrNull(input.notes), now, now)
          .lastInsertRowid,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(input.accessionId.trim());
      throw error;
    }
    if (input.tags) setTags(db, 'specimen', newId, input.tags);
    reindexSpecimen(db, newId);
    return newId;
  }).immediate();
  return getSpecimen(db, id);
}

const COLUMNS = { tissue: 'tissue', stain: 'stain', preparation: 'preparation', notes: 'notes' } as const;

export function updateSpecimen(db: Db, id: number, patch: Partial<SpecimenInput>): Specimen {
  db.transaction(() => {
    const before = db.prepare('SELECT accession_id FROM specimens WHERE id = ?').pluck().get(id) as string | undefined;
    if (before === undefined) throw notFound('specimen');
    const sets: string[] = [];
    const values: Array<string | null> = [];
    if (patch.accessionId !== undefined) {
      sets.push('accession_id = ?');
      values.push(patch.accessionId.trim());
    }
    for (const [key, column] of Object.entries(COLUMNS) as Array<[keyof typeof COLUMNS, string]>) {
      if (patch[key] === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(textOrNull(patch[key]));
    }
    sets.push('updated_at = ?');
    values.push(nowIso());
    try {
      db.prepare(`UPDATE specimens SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    } catch (error) {
      if (isUniqueViolation(error) && patch.accessionId !== undefined) throw duplicate(patch.accessionId.trim());
      throw error;
    }
    if (patch.tags !== undefined) setTags(db, 'specimen', id, patch.tags);
    reindexSpecimen(db, id);
    // Sessions carry their specimen's accession id in their search text.
    if (patch.accessionId !== undefined && patch.accessionId.trim() !== before) {
      for (const sessionId of db.prepare('SELECT id FROM sessions WHERE specimen_id = ?').pluck().all(id) as number[]) {
        reindexSession(db, sessionId);
      }
    }
  }).immediate();
  return getSpecimen(db, id);
}

export function deleteSpecimen(db: Db, id: number): { deleted: boolean } {
  return db.transaction(() => {
    const row = db.prepare('SELECT accession_id FROM specimens WHERE id = ?').pluck().get(id) as string | undefined;
    if (row === undefined) return { deleted: false };
    const sessions = db.prepare('SELECT count(*) FROM sessions WHERE specimen_id = ?').pluck().get(id) as number;
    if (sessions > 0) {
      throw new AppError(
        'conflict',
        `Specimen “${row}” still has ${plural(sessions, 'session')}; delete ${sessions === 1 ? 'it' : 'them'} or move ${sessions === 1 ? 'it' : 'them'} to another specimen first.`,
      );
    }
    // Captures always belong to a session, so none can point here once the sessions are gone.
    db.prepare('DELETE FROM specimens WHERE id = ?').run(id);
    unindex(db, 'specimen', id);
    pruneUnusedTags(db);
    return { deleted: true };
  }).immediate();
}
