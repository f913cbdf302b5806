import type { Capture, Derivative, Provenance } from '../../../shared/contract';
import { LIBRARY_URL_PREFIX } from '../../../shared/wire';
import type { Db } from './db';
import { reindexCapture, unindex } from './search';
import { pruneUnusedTags, setTags, tagsJsonSql } from './tags';
import { notFound, nowIso, parseJsonObject, parseJsonStrings } from './util';

/** Library-relative paths are stored with forward slashes; URLs are the same path under `/library/`. */
export const libraryUrl = (relativePath: string): string =>
  LIBRARY_URL_PREFIX + relativePath.split('/').map(encodeURIComponent).join('/');

interface CaptureRow {
  id: number;
  session_id: number;
  specimen_id: number | null;
  file: string;
  sha256: string;
  byte_size: number;
  original_name: string;
  format: string;
  width: number;
  height: number;
  bit_depth: number;
  channels: number;
  pixel_size_um: number | null;
  captured_at: string;
  metadata: string;
  thumbnail: string;
  tags: string;
}

const SELECT = `SELECT c.*, ${tagsJsonSql('capture', 'c')} AS tags FROM captures c`;

const toCapture = (r: CaptureRow): Capture => ({
  id: r.id,
  sessionId: r.session_id,
  specimenId: r.specimen_id,
  originalName: r.original_name,
  format: r.format,
  width: r.width,
  height: r.height,
  bitDepth: r.bit_depth,
  channels: r.channels,
  pixelSizeUm: r.pixel_size_um,
  capturedAt: r.captured_at,
  fileUrl: libraryUrl(r.file),
  thumbUrl: libraryUrl(r.thumbnail),
  sha256: r.sha256,
  byteSize: r.byte_size,
  metadata: parseJsonObject(r.metadata),
  tags: parseJsonStrings(r.tags),
});

interface DerivativeRow {
  id: number;
  capture_id: number;
  kind: Derivative['kind'];
  file: string;
  width: number;
  height: number;
  dtype: string;
  channels: number;
  pixel_size_um: number | null;
  model_id: string | null;
  model_version: string | null;
  weights_sha256: string | null;
  execution_provider: string | null;
  tile_size: number | null;
  tile_halo: number | null;
  duration_ms: number | null;
  created_at: string;
}

const toDerivative = (r: DerivativeRow): Derivative => ({
  id: r.id,
  captureId: r.capture_id,
  kind: r.kind,
  fileUrl: libraryUrl(r.file),
  width: r.width,
  height: r.height,
  dtype: r.dtype,
  channels: r.channels,
  pixelSizeUm: r.pixel_size_um,
  // Only a model run has provenance; an interpolated baseline does not pretend to.
  provenance:
    r.model_id !== null && r.model_version !== null && r.weights_sha256 !== null && r.execution_provider !== null
      ? {
          modelId: r.model_id,
          modelVersion: r.model_version,
          weightsSha256: r.weights_sha256,
          executionProvider: r.execution_provider,
          tileSize: r.tile_size,
          tileHalo: r.tile_halo,
          durationMs: r.duration_ms,
        }
      : null,
  createdAt: r.created_at,
});

export function listCaptures(db: Db, sessionId: number): Capture[] {
  if (!db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(sessionId)) throw notFound('session');
  return (db.prepare(`${SELECT} WHERE c.session_id = ? ORDER BY c.captured_at, c.id`).all(sessionId) as CaptureRow[]).map(
    toCapture,
  );
}

export function getCapture(db: Db, id: number): { capture: Capture; derivatives: Derivative[] } {
  const row = db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as CaptureRow | undefined;
  if (!row) throw notFound('capture');
  const derivatives = db
    .prepare('SELECT * FROM derivatives WHERE capture_id = ? ORDER BY created_at, id')
    .all(id) as DerivativeRow[];
  return { capture: toCapture(row), derivatives: derivatives.map(toDerivative) };
}

export interface NewCapture {
  sessionId: number;
  /** Library-relative path of the image, already durably on disk. */
  file: string;
  thumbnail: string;
  sha256: string;
  byteSize: number;
  originalName: string;
  format: string;
  width: number;
  height: number;
  bitDepth: number;
  channels: number;
  capturedAt: string;
  metadata: Record<string, unknown>;
  tags?: readonly string[];
}

/**
 * Inserts a capture whose files are already in place. The specimen and pixel size come from the session as it is
 * at commit time, read inside the same transaction, so a session edited mid-import cannot leave stale copies.
 */
export function insertCapture(db: Db, c: NewCapture): number {
  return db.transaction(() => {
    const session = db.prepare('SELECT specimen_id, pixel_size_um FROM sessions WHERE id = ?').get(c.sessionId) as
      | { specimen_id: number | null; pixel_size_um: number | null }
      | undefined;
    if (!session) throw notFound('session');
    const id = Number(
      db
        .prepare(
          `INSERT INTO captures (session_id, specimen_id, file, sha256, byte_size, original_name, format, width, height,
             bit_depth, channels, pixel_size_um, captured_at, metadata, thumbnail, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          c.sessionId,
          session.specimen_id,
          c.file,
          c.sha256,
          c.byteSize,
          c.originalName,
          c.format,
          c.width,
          c.height,
          c.bitDepth,
          c.channels,
          session.pixel_size_um,
          c.capturedAt,
          JSON.stringify(c.metadata),
          c.thumbnail,
          nowIso(),
        ).lastInsertRowid,
    );
    if (c.tags?.length) setTags(db, 'capture', id, c.tags);
    reindexCapture(db, id);
    return id;
  }).immediate();
}

export function setCaptureTags(db: Db, id: number, tags: readonly string[]): void {
  db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM captures WHERE id = ?').get(id)) throw notFound('capture');
    setTags(db, 'capture', id, tags);
    reindexCapture(db, id);
  }).immediate();
}

export interface NewDerivative {
  captureId: number;
  kind: Derivative['kind'];
  /** Library-relative path under `derived/`, already durably on disk (files before rows). */
  file: string;
  width: number;
  height: number;
  dtype: string;
  channels: number;
  pixelSizeUm: number | null;
  /** Null only for results no model made (an interpolated baseline); the viewer shows enhanced pixels only with it. */
  provenance: Provenance | null;
  params?: Record<string, unknown>;
}

export function insertDerivative(db: Db, d: NewDerivative): Derivative {
  const id = db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM captures WHERE id = ?').get(d.captureId)) throw notFound('capture');
    const p = d.provenance;
    return Number(
      db
        .prepare(
          `INSERT INTO derivatives (capture_id, kind, file, width, height, dtype, channels, pixel_size_um, model_id,
             model_version, weights_sha256, execution_provider, tile_size, tile_halo, duration_ms, params, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          d.captureId,
          d.kind,
          d.file,
          d.width,
          d.height,
          d.dtype,
          d.channels,
          d.pixelSizeUm,
          p?.modelId ?? null,
          p?.modelVersion ?? null,
          p?.weightsSha256 ?? null,
          p?.executionProvider ?? null,
          p?.tileSize ?? null,
          p?.tileHalo ?? null,
          p?.durationMs ?? null,
          JSON.stringify(d.params ?? {}),
          nowIso(),
        ).lastInsertRowid,
    );
  }).immediate();
  return toDerivative(db.prepare('SELECT * FROM derivatives WHERE id = ?').get(id) as DerivativeRow);
}

/** The image, thumbnail and derivative files of one capture, for unlinking after its rows are gone. */
export function collectCaptureFiles(db: Db, captureId: number): string[] {
  const row = db.prepare('SELECT file, thumbnail FROM captures WHERE id = ?').get(captureId) as
    | { file: string; thumbnail: string }
    | undefined;
  if (!row) return [];
  const derived = db.prepare('SELECT file FROM derivatives WHERE capture_id = ?').pluck().all(captureId) as string[];
  return [row.file, row.thumbnail, ...derived];
}

/** Deletes the rows (derivatives, annotations and tags cascade) and returns the files to unlink after commit. */
export function deleteCapture(db: Db, id: number): { deleted: boolean; files: string[] } {
  return db.transaction(() => {
    const files = collectCaptureFiles(db, id);
    if (files.length === 0) return { deleted: false, files };
    db.prepare('DELETE FROM captures WHERE id = ?').run(id);
    unindex(db, 'capture', id);
    pruneUnusedTags(db);
    return { deleted: true, files };
  }).immediate();
}

/** Every library file a row points at; the sweep on open deletes the rest. */
export function referencedFiles(db: Db): Set<string> {
  const rows = db
    .prepare('SELECT file FROM captures UNION ALL SELECT thumbnail FROM captures UNION ALL SELECT file FROM derivatives')
    .pluck()
    .all() as string[];
  return new Set(rows);
}
