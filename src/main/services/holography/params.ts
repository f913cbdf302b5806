/**
 * Where a hologram's optics live: a `holography` object inside the capture's metadata JSON (wavelength, pixel
 * size, sample-to-sensor distance, refractive index, field id). The capture row has no columns for them, and
 * metadata already travels with the capture, so the viewer and search see them without a migration.
 */
import type { Capture, HologramParams } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import * as catalog from '../catalog';

const KEYS = ['wavelengthNm', 'pixelSizeUm', 'refractiveIndex', 'zUm'] as const;

const finitePositive = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);

/** The recorded optics of a capture; the pixel size falls back to the session's (copied onto the capture at import). */
export function hologramParamsOf(capture: Capture): HologramParams {
  const raw = capture.metadata.holography;
  const h = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const out: HologramParams = { wavelengthNm: null, pixelSizeUm: null, refractiveIndex: null, zUm: null, fieldId: null };
  for (const key of KEYS) out[key] = finitePositive(h[key]);
  out.pixelSizeUm ??= capture.pixelSizeUm;
  out.fieldId = typeof h.fieldId === 'string' && h.fieldId.length > 0 ? h.fieldId : null;
  return out;
}

/** A capture of a hologram session, or one that already carries hologram optics. */
export function isHologram(db: catalog.Db, capture: Capture): boolean {
  if (capture.metadata.holography && typeof capture.metadata.holography === 'object') return true;
  return catalog.getSession(db, capture.sessionId).modality === 'hologram';
}

export function requireHologram(db: catalog.Db, captureId: number): Capture {
  const { capture } = catalog.getCapture(db, captureId);
  if (!isHologram(db, capture)) {
    const modality = catalog.getSession(db, capture.sessionId).modality;
    throw new AppError(
      'invalid-input',
      `Capture ${captureId} (${capture.originalName}) is a ${modality} image, not a hologram; only captures of a hologram session can be reconstructed.`,
    );
  }
  return capture;
}

export type ParamsPatch = Partial<Omit<HologramParams, 'zUm' | 'fieldId'>> & { zUm?: number | null; fieldId?: string | null };

/** Merges a patch into the capture's `metadata.holography` (undefined = unchanged, null = cleared). */
export function writeHologramParams(db: catalog.Db, captureId: number, patch: ParamsPatch): void {
  db.transaction(() => {
    const text = db.prepare('SELECT metadata FROM captures WHERE id = ?').pluck().get(captureId) as string | undefined;
    if (text === undefined) throw new AppError('not-found', `There is no capture ${captureId}.`);
    let metadata: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') metadata = parsed as Record<string, unknown>;
    } catch {
      // An unreadable metadata blob is replaced rather than blocking the optics from being recorded.
    }
    const current = metadata.holography && typeof metadata.holography === 'object' ? { ...(metadata.holography as Record<string, unknown>) } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) delete current[key];
      else current[key] = value;
    }
    metadata.holography = current;
    db.prepare('UPDATE captures SET metadata = ? WHERE id = ?').run(JSON.stringify(metadata), captureId);
  }).immediate();
}

/** Captures of the same field of view (same field id) at recorded heights, sorted by z. */
export function stackOf(db: catalog.Db, capture: Capture): { capture: Capture; zUm: number }[] {
  const own = hologramParamsOf(capture);
  if (!own.fieldId || own.zUm === null) return own.zUm === null ? [] : [{ capture, zUm: own.zUm }];
  const out: { capture: Capture; zUm: number }[] = [];
  for (const c of catalog.listCaptures(db, capture.sessionId)) {
    const p = hologramParamsOf(c);
    if (p.fieldId !== own.fieldId || p.zUm === null) continue;
    if (c.width !== capture.width || c.height !== capture.height) continue;
    out.push({ capture: c, zUm: p.zUm });
  }
  return out.sort((a, b) => a.zUm - b.zUm);
}
