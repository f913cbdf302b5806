import { annotationGeometrySchema, type Annotation, type AnnotationGeometry, type AnnotationInput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { Db } from './db';
import { notFound, nowIso, textOrNull } from './util';

interface AnnotationRow {
  id: number;
  capture_id: number;
  geometry_um: string;
  text: string | null;
  author: string | null;
  created_at: string;
  updated_at: string;
}

function toAnnotation(r: AnnotationRow): Annotation {
  // Rows are only written from validated input, but a catalog edited by hand must not crash the viewer:
  // unreadable geometry becomes a point at the origin rather than an exception.
  const parsed = annotationGeometrySchema.safeParse(JSON.parse(r.geometry_um));
  const geometry: AnnotationGeometry = parsed.success ? parsed.data : { kind: 'point', at: { xUm: 0, yUm: 0 } };
  return { id: r.id, captureId: r.capture_id, geometry, text: r.text, author: r.author, createdAt: r.created_at, updatedAt: r.updated_at };
}

export function listAnnotations(db: Db, captureId: number): Annotation[] {
  if (!db.prepare('SELECT 1 FROM captures WHERE id = ?').get(captureId)) throw notFound('capture');
  return (db.prepare('SELECT * FROM annotations WHERE capture_id = ? ORDER BY created_at, id').all(captureId) as AnnotationRow[]).map(
    toAnnotation,
  );
}

function getAnnotation(db: Db, id: number): Annotation {
  const row = db.prepare('SELECT * FROM annotations WHERE id = ?').get(id) as AnnotationRow | undefined;
  if (!row) throw notFound('annotation');
  return toAnnotation(row);
}

export function createAnnotation(db: Db, input: AnnotationInput): Annotation {
  const id = db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM captures WHERE id = ?').get(input.captureId)) throw notFound('capture');
    const now = nowIso();
    return Number(
      db
        .prepare(
          `INSERT INTO annotations (capture_id, kind, geometry_um, text, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(input.captureId, input.geometry.kind, JSON.stringify(input.geometry), textOrNull(input.text), textOrNull(input.author), now, now)
        .lastInsertRowid,
    );
  }).immediate();
  return getAnnotation(db, id);
}

export function updateAnnotation(db: Db, id: number, patch: { geometry?: AnnotationGeometry; text?: string }): Annotation {
  db.transaction(() => {
    const current = getAnnotation(db, id);
    const geometry = patch.geometry ?? current.geometry;
    const text = patch.text !== undefined ? textOrNull(patch.text) : current.text;
    if (geometry.kind === 'text' && !text) throw new AppError('invalid-input', 'A text annotation needs its text.');
    db.prepare('UPDATE annotations SET kind = ?, geometry_um = ?, text = ?, updated_at = ? WHERE id = ?').run(
      geometry.kind,
      JSON.stringify(geometry),
      text,
      nowIso(),
      id,
    );
  }).immediate();
  return getAnnotation(db, id);
}

export function deleteAnnotation(db: Db, id: number): { deleted: boolean; captureId: number | null } {
  const captureId = db.prepare('SELECT capture_id FROM annotations WHERE id = ?').pluck().get(id) as number | undefined;
  if (captureId === undefined) return { deleted: false, captureId: null };
  db.prepare('DELETE FROM annotations WHERE id = ?').run(id);
  return { deleted: true, captureId };
}
