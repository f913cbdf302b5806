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

/** Captures of the same field of view (same field id) at recorded heights, sorted by z — whatever their size. */
export function stackOf(db: catalog.Db, capture: Capture): { capture: Capture; zUm: number }[] {
  const own = hologramParamsOf(capture);
  if (!own.fieldId || own.zUm === null) return own.zUm === null ? [] : [{ capture, zUm: own.zUm }];
  const out: { capture: Capture; zUm: number }[] = [];
  for (const c of catalog.listCaptures(db, capture.sessionId)) {
    const p = hologramParamsOf(c);
    if (p.fieldId !== own.fieldId || p.zUm === null) continue;
    out.push({ capture: c, zUm: p.zUm });
  }
  return out.sort((a, b) => a.zUm - b.zUm);
}

/** Colour channels (grey + alpha is still mono). */
export const colourChannels = (channels: number, hasAlpha: boolean): number => channels - (hasAlpha || channels === 2 || channels === 4 ? 1 : 0);

/** The sentence refusing a colour image as a hologram. */
export function colourHologramMessage(name: string, channels: number, captureId?: number): string {
  return (
    `The hologram ${name}${captureId !== undefined ? ` (capture ${captureId})` : ''} is a colour image (${channels} channels); ` +
    'a hologram must be a mono sensor image (one grey channel). Import the camera’s mono or raw output instead; nothing was reconstructed.'
  );
}

/** Why this capture cannot be reconstructed at all (a colour image), or null. */
export function colourProblem(capture: Capture): string | null {
  return colourChannels(capture.channels, false) > 1 ? colourHologramMessage(capture.originalName, capture.channels, capture.id) : null;
}

const describe = (c: Capture, zUm?: number) => `${c.originalName} (capture ${c.id}${zUm !== undefined ? `, z ${Math.round(zUm * 10) / 10} µm` : ''})`;

/** The sentence refusing a stack whose holograms differ in size, naming every file and its size. */
export function mismatchedStackMessage(fieldId: string | null, members: { name: string; widthPx: number; heightPx: number }[]): string {
  const bySize = new Map<string, string[]>();
  for (const m of members) {
    const size = `${m.widthPx}×${m.heightPx} px`;
    bySize.set(size, [...(bySize.get(size) ?? []), m.name]);
  }
  const parts = [...bySize].map(([size, names]) => `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} ${size}`);
  return (
    `The multi-height stack${fieldId ? ` “${fieldId}”` : ''} mixes hologram sizes: ${parts.join('; ')}. ` +
    'Every height of a stack must be recorded on the same sensor area (same size); give the odd captures another field id. Nothing was reconstructed.'
  );
}

/** Why a multi-height stack cannot be reconstructed (holograms of different sizes, a colour member), or null. */
export function stackProblem(stack: { capture: Capture; zUm: number }[]): string | null {
  if (stack.length < 2) return null;
  const first = stack[0].capture;
  if (stack.some((s) => s.capture.width !== first.width || s.capture.height !== first.height)) {
    const fieldId = hologramParamsOf(first).fieldId;
    return mismatchedStackMessage(
      fieldId,
      stack.map((s) => ({ name: describe(s.capture, s.zUm), widthPx: s.capture.width, heightPx: s.capture.height })),
    );
  }
  for (const s of stack) {
    const colour = colourProblem(s.capture);
    if (colour) return `The multi-height stack holds a colour image. ${colour}`;
  }
  return null;
}
