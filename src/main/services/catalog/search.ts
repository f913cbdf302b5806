import type { SearchHit } from '../../../shared/contract';
import type { Db } from './db';
import { getTags } from './tags';

type Kind = SearchHit['kind'];
const KIND_CODE: Record<Kind, number> = { specimen: 1, session: 2, capture: 3 };
const rowidOf = (kind: Kind, id: number): number => id * 4 + KIND_CODE[kind];

const joinText = (parts: ReadonlyArray<string | number | null | undefined>): string =>
  parts.filter((p) => p !== null && p !== undefined && p !== '').join(' · ');

function writeRow(db: Db, kind: Kind, id: number, sessionId: number | null, title: string, body: string): void {
  const rowid = rowidOf(kind, id);
  db.prepare('DELETE FROM search_index WHERE rowid = ?').run(rowid);
  db.prepare('INSERT INTO search_index (rowid, kind, ref_id, session_id, title, body) VALUES (?, ?, ?, ?, ?, ?)').run(
    rowid,
    kind,
    id,
    sessionId,
    title,
    body,
  );
}

export function unindex(db: Db, kind: Kind, id: number): void {
  db.prepare('DELETE FROM search_index WHERE rowid = ?').run(rowidOf(kind, id));
}

// The reindex functions read the committed-so-far state of the row inside the caller's transaction, so the
// search text can never disagree with the row it describes.
export function reindexSpecimen(db: Db, id: number): void {
  const row = db.prepare('SELECT accession_id, tissue, stain, preparation, notes FROM specimens WHERE id = ?').get(id) as
    | { accession_id: string; tissue: string | null; stain: string | null; preparation: string | null; notes: string | null }
    | undefined;
  if (!row) return unindex(db, 'specimen', id);
  const body = joinText([row.tissue, row.stain, row.preparation, getTags(db, 'specimen', id).join(' '), row.notes]);
  writeRow(db, 'specimen', id, null, row.accession_id, body);
}

export function reindexSession(db: Db, id: number): void {
  const row = db
    .prepare(
      `SELECT s.title, s.date, s.operator, s.microscope, s.camera, s.modality, s.notes, sp.accession_id
       FROM sessions s LEFT JOIN specimens sp ON sp.id = s.specimen_id WHERE s.id = ?`,
    )
    .get(id) as
    | {
        title: string;
        date: string;
        operator: string | null;
        microscope: string | null;
        camera: string | null;
        modality: string;
        notes: string | null;
        accession_id: string | null;
      }
    | undefined;
  if (!row) return unindex(db, 'session', id);
  const body = joinText([
    row.accession_id,
    row.date,
    row.modality,
    row.operator,
    row.microscope,
    row.camera,
    getTags(db, 'session', id).join(' '),
    row.notes,
  ]);
  writeRow(db, 'session', id, id, row.title, body);
}

export function reindexCapture(db: Db, id: number): void {
  const row = db.prepare('SELECT session_id, original_name, format FROM captures WHERE id = ?').get(id) as
    | { session_id: number; original_name: string; format: string }
    | undefined;
  if (!row) return unindex(db, 'capture', id);
  writeRow(db, 'capture', id, row.session_id, row.original_name, joinText([getTags(db, 'capture', id).join(' '), row.format]));
}

/**
 * Turns what a person typed into an FTS5 query that cannot be a syntax error: every whitespace-separated word
 * becomes a quoted phrase of its letter/digit runs with a prefix star, and words are ANDed. So "BRE" finds
 * "BREAST-001", "BREAST-0" finds it too (phrase "breast 0"*), and `"`, `AND (` or `NEAR(` are plain text.
 * Returns null when nothing searchable is left.
 */
export function toFtsQuery(text: string): string | null {
  const phrases: string[] = [];
  for (const word of text.split(/\s+/)) {
    const tokens = word.match(/[\p{L}\p{N}\p{M}]+/gu);
    if (!tokens) continue;
    phrases.push(`"${tokens.join(' ')}"*`);
    if (phrases.length === 16) break;
  }
  return phrases.length ? phrases.join(' ') : null;
}

export function search(db: Db, text: string, limit = 50): SearchHit[] {
  const query = toFtsQuery(text);
  if (!query) return [];
  // Columns: kind, ref_id, session_id, title, body — a title match outranks a mention in notes.
  const rows = db
    .prepare(
      `SELECT kind, ref_id AS id, session_id AS sessionId, title,
              snippet(search_index, -1, '', '', '…', 12) AS snippet
       FROM search_index WHERE search_index MATCH ?
       ORDER BY bm25(search_index, 0, 0, 0, 10.0, 1.0), rowid DESC LIMIT ?`,
    )
    .all(query, limit) as Array<{ kind: Kind; id: number; sessionId: number | null; title: string; snippet: string | null }>;
  return rows.map((r) => ({ kind: r.kind, id: r.id, title: r.title, snippet: r.snippet ?? '', sessionId: r.sessionId }));
}
