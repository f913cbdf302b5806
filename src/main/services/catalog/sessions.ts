import type { Session, SessionInput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { collectCaptureFiles } from './captures';
import type { Db } from './db';
import { reindexSession, unindex } from './search';
import { pruneUnusedTags, setTags, tagsJsonSql } from './tags';
import { notFound, nowIso, parseJsonStrings, plural, textOrNull } from './util';

interface SessionRow {
  id: number;
  specimen_id: number | null;
  accession_id: string | null;
  title: string;
  date: string;
  operator: string | null;
  microscope: string | null;
  objective_magnification: number | null;
  numerical_aperture: number | null;
  camera: string | null;
  pixel_size_um: number | null;
  modality: Session['modality'];
  notes: string | null;
  created_at: string;
  tags: string;
  capture_count: number;
}

const SELECT = `SELECT s.*, sp.accession_id, ${tagsJsonSql('session', 's')} AS tags,
  (SELECT count(*) FROM captures c WHERE c.session_id = s.id) AS capture_count
  FROM sessions s LEFT JOIN specimens sp ON sp.id = s.specimen_id`;

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  specimenId: r.specimen_id,
  specimenAccessionId: r.accession_id,
  title: r.title,
  date: r.date,
  operator: r.operator,
  microscope: r.microscope,
  objectiveMagnification: r.objective_magnification,
  numericalAperture: r.numerical_aperture,
  camera: r.camera,
  pixelSizeUm: r.pixel_size_um,
  modality: r.modality,
  notes: r.notes,
  tags: parseJsonStrings(r.tags),
  captureCount: r.capture_count,
  createdAt: r.created_at,
});

export function listSessions(db: Db, specimenId?: number): Session[] {
  const order = 'ORDER BY s.date DESC, s.created_at DESC, s.id DESC';
  const rows =
    specimenId === undefined
      ? db.prepare(`${SELECT} ${order}`).all()
      : db.prepare(`${SELECT} WHERE s.specimen_id = ? ${order}`).all(specimenId);
  return (rows as SessionRow[]).map(toSession);
}

export function getSession(db: Db, id: number): Session {
  const row = db.prepare(`${SELECT} WHERE s.id = ?`).get(id) as SessionRow | undefined;
  if (!row) throw notFound('session');
  return toSession(row);
}

function assertSpecimenExists(db: Db, specimenId: number | null | undefined): void {
  if (specimenId === null || specimenId === undefined) return;
  if (!db.prepare('SELECT 1 FROM specimens WHERE id = ?').get(specimenId)) {
    throw new AppError('not-found', 'The chosen specimen no longer exists; pick another one or create it again.');
  }
}

export function createSession(db: Db, input: SessionInput): Session {
  const id = db.transaction(() => {
    assertSpecimenExists(db, input.specimenId);
    const now = nowIso();
    const newId = Number(
      db
        .prepare(
          `INSERT INTO sessions (specimen_id, title, date, operator, microscope, objective_magnification,
             numerical_aperture, camera, pixel_size_um, modality, notes, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.specimenId ?? null,
          input.title.trim(),
          input.date,
          textOrNull(input.operator),
          textOrNull(input.microscope),
          input.objectiveMagnification ?? null,
          input.numericalAperture ?? null,
          textOrNull(input.camera),
          input.pixelSizeUm ?? null,
          input.modality,
          textOrNull(input.notes),
          now,
          now,
        ).lastInsertRowid,
    );
    if (input.tags) setTags(db, 'session', newId, input.tags);
    reindexSession(db, newId);
    return newId;
  }).immediate();
  return getSession(db, id);
}

const TEXT_COLUMNS = { operator: 'operator', microscope: 'microscope', camera: 'camera', notes: 'notes' } as const;
const NUMBER_COLUMNS = {
  objectiveMagnification: 'objective_magnification',
  numericalAperture: 'numerical_aperture',
  pixelSizeUm: 'pixel_size_um',
} as const;

export function updateSession(db: Db, id: number, patch: Partial<SessionInput>): Session {
  db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id)) throw notFound('session');
    const sets: string[] = [];
    const values: Array<string | number | null> = [];
    const set = (column: string, value: string | number | null) => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (patch.specimenId !== undefined) {
      assertSpecimenExists(db, patch.specimenId);
      set('specimen_id', patch.specimenId);
    }
    if (patch.title !== undefined) set('title', patch.title.trim());
    if (patch.date !== undefined) set('date', patch.date);
    if (patch.modality !== undefined) set('modality', patch.modality);
    for (const [key, column] of Object.entries(TEXT_COLUMNS) as Array<[keyof typeof TEXT_COLUMNS, string]>) {
      if (patch[key] !== undefined) set(column, textOrNull(patch[key]));
    }
    for (const [key, column] of Object.entries(NUMBER_COLUMNS) as Array<[keyof typeof NUMBER_COLUMNS, string]>) {
      if (patch[key] !== undefined) set(column, patch[key] ?? null);
    }
    set('updated_at', nowIso());
    db.prepare(`UPDATE sessions SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    // A capture's specimen is its session's; keep the copy (used for per-specimen queries) in step.
    if (patch.specimenId !== undefined) {
      db.prepare('UPDATE captures SET specimen_id = ? WHERE session_id = ?').run(patch.specimenId, id);
    }
    if (patch.tags !== undefined) setTags(db, 'session', id, patch.tags);
    reindexSession(db, id);
  }).immediate();
  return getSession(db, id);
}

/**
 * Deletes the session and (when confirmed) its captures' rows in one transaction, and returns the library files
 * the caller must unlink after the commit — never before, so a crash cannot leave a row whose file is gone.
 */
export function deleteSession(
  db: Db,
  id: number,
  confirmDeleteCaptures: boolean,
): { deleted: boolean; capturesDeleted: number; files: string[] } {
  return db.transaction(() => {
    const title = db.prepare('SELECT title FROM sessions WHERE id = ?').pluck().get(id) as string | undefined;
    if (title === undefined) return { deleted: false, capturesDeleted: 0, files: [] };
    const captureIds = db.prepare('SELECT id FROM captures WHERE session_id = ?').pluck().all(id) as number[];
    if (captureIds.length > 0 && !confirmDeleteCaptures) {
      throw new AppError(
        'needs-confirmation',
        `Session “${title}” has ${plural(captureIds.length, 'capture')}. Deleting the session deletes ${captureIds.length === 1 ? 'it' : `all ${captureIds.length}`} and ${captureIds.length === 1 ? 'its' : 'their'} enhanced results too; confirm to go ahead.`,
      );
    }
    const files: string[] = [];
    for (const captureId of captureIds) {
      files.push(...collectCaptureFiles(db, captureId));
      unindex(db, 'capture', captureId);
    }
    db.prepare('DELETE FROM captures WHERE session_id = ?').run(id);
    db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
    unindex(db, 'session', id);
    pruneUnusedTags(db);
    return { deleted: true, capturesDeleted: captureIds.length, files };
  }).immediate();
}
