import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionInput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { removeDir, tempDir } from '../library/testing';
import {
  createSession,
  createSpecimen,
  deleteCapture,
  deleteSession,
  deleteSpecimen,
  getCapture,
  getSession,
  getSpecimen,
  insertCapture,
  listCaptures,
  listSessions,
  listSpecimens,
  openCatalog,
  search,
  setCaptureTags,
  toFtsQuery,
  updateSession,
  updateSpecimen,
  type Db,
  type NewCapture,
} from '.';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = tempDir();
  db = openCatalog(path.join(dir, 'catalog.sqlite'));
});
afterEach(() => {
  db.close();
  removeDir(dir);
});

const session = (over: Partial<SessionInput> = {}): SessionInput => ({
  title: 'Morning scan',
  date: '2026-03-04',
  modality: 'bright-field',
  ...over,
});

let captureSeq = 0;
const capture = (sessionId: number, over: Partial<NewCapture> = {}): NewCapture => {
  captureSeq++;
  return {
    sessionId,
    file: `images/s${sessionId}/c${captureSeq}.png`,
    thumbnail: `thumbs/s${sessionId}/c${captureSeq}.png`,
    sha256: 'a'.repeat(64),
    byteSize: 100,
    originalName: `field_${captureSeq}.png`,
    format: 'png',
    width: 10,
    height: 8,
    bitDepth: 16,
    channels: 1,
    capturedAt: `2026-03-04T10:00:0${captureSeq % 10}.000Z`,
    metadata: { space: 'grey16' },
    ...over,
  };
};

function expectAppError(fn: () => unknown, code: string, message?: RegExp | string): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
    if (message) expect((error as AppError).message).toMatch(message);
    return error as AppError;
  }
  throw new Error('expected an AppError');
}

describe('specimens', () => {
  it('creates, lists newest first, updates and deletes', () => {
    const a = createSpecimen(db, { accessionId: 'BREAST-001', tissue: 'Breast', stain: 'H&E', tags: ['tumour', 'Tumour', ' margin '] });
    expect(a).toMatchObject({ accessionId: 'BREAST-001', tissue: 'Breast', stain: 'H&E', preparation: null, notes: null, sessionCount: 0 });
    expect(a.tags).toEqual(['margin', 'tumour']);
    const b = createSpecimen(db, { accessionId: 'LUNG-002' });
    expect(listSpecimens(db).map((s) => s.id)).toEqual([b.id, a.id]);

    const edited = updateSpecimen(db, a.id, { notes: 'left side', tissue: '', tags: ['margin'] });
    expect(edited).toMatchObject({ notes: 'left side', tissue: null, stain: 'H&E', tags: ['margin'] });
    expect(getSpecimen(db, a.id).notes).toBe('left side');

    expect(deleteSpecimen(db, a.id)).toEqual({ deleted: true });
    expect(deleteSpecimen(db, a.id)).toEqual({ deleted: false });
    expectAppError(() => getSpecimen(db, a.id), 'not-found');
    // the unused tag went with it
    expect(db.prepare('SELECT count(*) FROM tags').pluck().get()).toBe(0);
  });

  it('rejects a duplicate accession id with a message naming it, on create and on rename', () => {
    createSpecimen(db, { accessionId: 'BREAST-001' });
    expectAppError(() => createSpecimen(db, { accessionId: 'breast-001' }), 'conflict', 'A specimen with accession id “breast-001” already exists.');
    const other = createSpecimen(db, { accessionId: 'LUNG-1' });
    expectAppError(() => updateSpecimen(db, other.id, { accessionId: 'BREAST-001' }), 'conflict', /“BREAST-001” already exists/);
    expect(listSpecimens(db)).toHaveLength(2);
    expect(getSpecimen(db, other.id).accessionId).toBe('LUNG-1');
  });

  it('refuses to delete a specimen that still has sessions, saying how many', () => {
    const sp = createSpecimen(db, { accessionId: 'SKIN-7' });
    createSession(db, session({ specimenId: sp.id }));
    createSession(db, session({ specimenId: sp.id, title: 'Second' }));
    expectAppError(() => deleteSpecimen(db, sp.id), 'conflict', /“SKIN-7” still has 2 sessions/);
    expect(getSpecimen(db, sp.id).sessionCount).toBe(2);
  });
});

describe('sessions', () => {
  it('creates with optics, lists newest first (optionally by specimen), updates and gets', () => {
    const sp = createSpecimen(db, { accessionId: 'BREAST-001' });
    const s1 = createSession(db, session({ specimenId: sp.id, date: '2026-03-01', objectiveMagnification: 40, numericalAperture: 0.95, pixelSizeUm: 0.1625, tags: ['qc'] }));
    const s2 = createSession(db, session({ date: '2026-03-05', modality: 'hologram' }));
    expect(s1).toMatchObject({ specimenId: sp.id, specimenAccessionId: 'BREAST-001', objectiveMagnification: 40, numericalAperture: 0.95, pixelSizeUm: 0.1625, operator: null, camera: null, tags: ['qc'], captureCount: 0 });
    expect(s2).toMatchObject({ specimenId: null, specimenAccessionId: null, pixelSizeUm: null, modality: 'hologram' });
    expect(listSessions(db).map((s) => s.id)).toEqual([s2.id, s1.id]);
    expect(listSessions(db, sp.id).map((s) => s.id)).toEqual([s1.id]);

    const moved = updateSession(db, s2.id, { specimenId: sp.id, title: 'Renamed', operator: 'Ada' });
    expect(moved).toMatchObject({ specimenId: sp.id, title: 'Renamed', operator: 'Ada', modality: 'hologram' });
    expect(getSession(db, s2.id).title).toBe('Renamed');
    expect(updateSession(db, s2.id, { specimenId: null }).specimenId).toBeNull();
  });

  it('says when the chosen specimen or session does not exist', () => {
    expectAppError(() => createSession(db, session({ specimenId: 42 })), 'not-found', /specimen no longer exists/);
    expectAppError(() => updateSession(db, 42, { title: 'x' }), 'not-found');
    expect(listSessions(db)).toEqual([]);
  });

  it('needs confirmation to delete a session with captures, and says how many', () => {
    const s = createSession(db, session({ title: 'Biopsy run' }));
    insertCapture(db, capture(s.id));
    insertCapture(db, capture(s.id));
    insertCapture(db, capture(s.id));
    expectAppError(() => deleteSession(db, s.id, false), 'needs-confirmation', /“Biopsy run” has 3 captures.*all 3/);
    expect(listCaptures(db, s.id)).toHaveLength(3);

    const result = deleteSession(db, s.id, true);
    expect(result).toMatchObject({ deleted: true, capturesDeleted: 3 });
    expect(result.files).toHaveLength(6);
    expect(db.prepare('SELECT count(*) FROM captures').pluck().get()).toBe(0);
    expect(search(db, 'field')).toEqual([]);
  });

  it('deletes an empty session without confirmation', () => {
    const s = createSession(db, session());
    expect(deleteSession(db, s.id, false)).toEqual({ deleted: true, capturesDeleted: 0, files: [] });
    expect(deleteSession(db, s.id, false)).toEqual({ deleted: false, capturesDeleted: 0, files: [] });
  });
});

describe('captures', () => {
  it('inherit specimen and pixel size from their session, list in capture order and come back with derivatives', () => {
    const sp = createSpecimen(db, { accessionId: 'A-1' });
    const s = createSession(db, session({ specimenId: sp.id, pixelSizeUm: 0.5 }));
    const first = insertCapture(db, capture(s.id, { capturedAt: '2026-03-04T09:00:00.000Z' }));
    const second = insertCapture(db, capture(s.id, { capturedAt: '2026-03-04T08:00:00.000Z' }));
    expect(listCaptures(db, s.id).map((c) => c.id)).toEqual([second, first]);
    db.prepare(
      `INSERT INTO derivatives (capture_id, kind, file, width, height, dtype, channels, pixel_size_um, model_id, model_version,
         weights_sha256, execution_provider, tile_size, tile_halo, duration_ms, created_at)
       VALUES (?, 'enhanced', 'derived/x.tif', 20, 16, 'float32', 1, 0.25, 'unet', '1.0.0', ?, 'cpu', 256, 16, 12.5, 'now')`,
    ).run(first, 'b'.repeat(64));
    const { capture: c, derivatives } = getCapture(db, first);
    expect(c).toMatchObject({ specimenId: sp.id, pixelSizeUm: 0.5, bitDepth: 16, fileUrl: expect.stringMatching(/^\/library\/images\//), thumbUrl: expect.stringMatching(/^\/library\/thumbs\//), metadata: { space: 'grey16' } });
    expect(derivatives).toHaveLength(1);
    expect(derivatives[0]).toMatchObject({ kind: 'enhanced', fileUrl: '/library/derived/x.tif', pixelSizeUm: 0.25, provenance: { modelId: 'unet', executionProvider: 'cpu', tileSize: 256, tileHalo: 16, durationMs: 12.5 } });
  });

  it('delete returns the image, thumbnail and derivative files to unlink', () => {
    const s = createSession(db, session());
    const id = insertCapture(db, capture(s.id));
    db.prepare(`INSERT INTO derivatives (capture_id, kind, file, width, height, dtype, channels, created_at) VALUES (?, 'interpolated', 'derived/i.png', 2, 2, 'uint8', 1, 'now')`).run(id);
    const result = deleteCapture(db, id);
    expect(result.deleted).toBe(true);
    expect(result.files.sort()).toEqual(['derived/i.png', `images/s${s.id}/c${captureSeq}.png`, `thumbs/s${s.id}/c${captureSeq}.png`].sort());
    expect(db.prepare('SELECT count(*) FROM derivatives').pluck().get()).toBe(0);
    expect(deleteCapture(db, id)).toEqual({ deleted: false, files: [] });
  });

  it('moving a session to another specimen moves its captures too', () => {
    const a = createSpecimen(db, { accessionId: 'A' });
    const b = createSpecimen(db, { accessionId: 'B' });
    const s = createSession(db, session({ specimenId: a.id }));
    const id = insertCapture(db, capture(s.id));
    updateSession(db, s.id, { specimenId: b.id });
    expect(getCapture(db, id).capture.specimenId).toBe(b.id);
  });

  it('fails to insert into a deleted session', () => {
    expectAppError(() => insertCapture(db, capture(999)), 'not-found');
  });
});

describe('search', () => {
  it('finds specimens by accession prefix, sessions by title, captures by file name and by tag', () => {
    const sp = createSpecimen(db, { accessionId: 'BREAST-001', tissue: 'Breast', stain: 'H&E', notes: 'Invasive ductal carcinoma' });
    createSpecimen(db, { accessionId: 'LUNG-002', tags: ['adenocarcinoma'] });
    const s = createSession(db, session({ specimenId: sp.id, title: 'Frozen section review' }));
    const c = insertCapture(db, capture(s.id, { originalName: 'scan_0042.tif' }));
    setCaptureTags(db, c, ['mitosis']);

    const hit = (text: string) => search(db, text).map((h) => `${h.kind}:${h.title}`);
    expect(hit('BRE')).toContain('specimen:BREAST-001');
    expect(hit('breast-0')).toContain('specimen:BREAST-001');
    expect(search(db, 'BRE')[0]).toMatchObject({ kind: 'specimen', sessionId: null });
    expect(hit('froz')).toEqual(['session:Frozen section review']);
    expect(hit('scan_0042')).toEqual(['capture:scan_0042.tif']);
    expect(hit('mitos')).toEqual(['capture:scan_0042.tif']);
    expect(search(db, 'mitosis')[0]).toMatchObject({ id: c, sessionId: s.id });
    expect(hit('ductal')).toEqual(['specimen:BREAST-001']);
    expect(hit('adeno')).toEqual(['specimen:LUNG-002']);
    expect(hit('lung breast')).toEqual([]);
  });

  it('keeps the index in step with edits and deletes', () => {
    const sp = createSpecimen(db, { accessionId: 'OLD-1' });
    const s = createSession(db, session({ specimenId: sp.id, title: 'Run' }));
    updateSpecimen(db, sp.id, { accessionId: 'NEW-1' });
    expect(search(db, 'OLD')).toEqual([]);
    expect(search(db, 'NEW-1').map((h) => h.kind).sort()).toEqual(['session', 'specimen']);
    const c = insertCapture(db, capture(s.id));
    setCaptureTags(db, c, ['stale']);
    setCaptureTags(db, c, []);
    expect(search(db, 'stale')).toEqual([]);
    deleteSession(db, s.id, true);
    deleteSpecimen(db, sp.id);
    expect(db.prepare('SELECT count(*) FROM search_index').pluck().get()).toBe(0);
  });

  it('treats hostile input as text and never throws', () => {
    createSpecimen(db, { accessionId: 'AND-1', notes: 'NEAR the OR' });
    for (const text of ['"', 'AND (', ')', '*', 'NOT', 'NEAR(a b)', 'a:b', '^x', '"unterminated', "'; DROP TABLE specimens; --", '-', '\u0000', '{title}: x']) {
      expect(() => search(db, text)).not.toThrow();
    }
    expect(search(db, '"')).toEqual([]);
    expect(search(db, 'AND (').map((h) => h.title)).toEqual(['AND-1']);
    expect(search(db, 'near OR').map((h) => h.title)).toEqual(['AND-1']);
    expect(listSpecimens(db)).toHaveLength(1);
  });

  it('builds quoted prefix phrases', () => {
    expect(toFtsQuery('BREAST-001 h&e')).toBe('"BREAST 001"* "h e"*');
    expect(toFtsQuery('" ( )')).toBeNull();
  });
});
