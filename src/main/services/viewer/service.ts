/**
 * What the viewer asks of the main side: a capture's layers (raw and derivatives, with roles and provenance),
 * deep-zoom pyramids of them through the pyramid service, raw pixel readouts, and two comparison baselines that no
 * network makes — a bicubic ×2 interpolation of the raw capture, and the difference map of an enhanced image
 * minus that interpolation. Both baselines are library files recorded as derivatives (files before rows).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { Capture, Derivative, DisplayRequest, PyramidInfo, ViewerLayer, ViewerLayerRole } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { LIBRARY_URL_PREFIX } from '../../../shared/wire';
import * as catalog from '../catalog';
import { commitFile, fsyncDir, tempPathFor } from '../library/files';
import type { PyramidService } from '../pyramid';
import { COLORMAP_LUTS } from '../pyramid/display';
import { float32TiffHeader } from './float-tiff';

/** Difference maps are computed in memory (three float planes); past this the call says so instead of swapping. */
export const MAX_DIFFERENCE_PX = 64 * 1024 * 1024;

export interface ViewerServiceDeps {
  db: catalog.Db;
  libraryDir: string;
  pyramid: PyramidService;
  /** Records a derivative whose file is already durably under `derived/` (the composition root's recordDerivative). */
  record: (input: catalog.NewDerivative) => Promise<Derivative>;
}

interface Params {
  operation?: string;
  enhancedId?: number;
  interpolatedId?: number;
  /** Default display window of an enhanced result (its model's output range). */
  displayWindow?: unknown;
}

/** `/library/images/s1/a%20b.png` → `images/s1/a b.png`. */
export function relPathOf(fileUrl: string): string {
  if (!fileUrl.startsWith(LIBRARY_URL_PREFIX)) throw new AppError('internal', `${fileUrl} is not a library file.`);
  return fileUrl.slice(LIBRARY_URL_PREFIX.length).split('/').map(decodeURIComponent).join('/');
}

function paramsOf(db: catalog.Db, derivativeId: number): Params {
  const text = db.prepare('SELECT params FROM derivatives WHERE id = ?').pluck().get(derivativeId) as string | undefined;
  try {
    const parsed: unknown = JSON.parse(text ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Params) : {};
  } catch {
    return {};
  }
}

function roleOf(d: Derivative, params: Params): ViewerLayerRole {
  if (params.operation === 'difference') return 'difference';
  if (d.kind === 'other') return 'other';
  return d.kind;
}

function unitOf(role: ViewerLayerRole, dtype: string): string {
  if (role === 'phase') return 'rad';
  if (role === 'difference') return 'Δ (normalised)';
  if (role === 'amplitude') return 'a.u.';
  return dtype.startsWith('float') ? 'a.u.' : 'counts';
}

function labelOf(role: ViewerLayerRole, d: Derivative): string {
  const p = d.provenance;
  switch (role) {
    case 'interpolated':
      return 'Bicubic ×2 of raw';
    case 'difference':
      return p ? `Difference: ${p.modelId} − bicubic ×2` : 'Difference map';
    case 'enhanced':
      return p ? `Enhanced · ${p.modelId}` : 'Enhanced (no provenance)';
    case 'amplitude':
      return p ? `Amplitude · ${p.modelId}` : 'Amplitude';
    case 'phase':
      return p ? `Phase · ${p.modelId}` : 'Phase';
    default:
      return `${d.kind} #${d.id}`;
  }
}

export function createViewerService(deps: ViewerServiceDeps) {
  const { db, pyramid } = deps;
  const abs = (rel: string) => path.join(deps.libraryDir, ...rel.split('/'));
  // Two clicks on "Interpolate" (or two panes asking for a difference) make one file, not two.
  const inFlight = new Map<string, Promise<Derivative>>();
  const once = (key: string, make: () => Promise<Derivative>): Promise<Derivative> => {
    let pending = inFlight.get(key);
    if (!pending) {
      pending = make().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };

  function layerSource(captureId: number, derivativeId: number | null | undefined): { capture: Capture; derivative: Derivative | null; relPath: string } {
    const { capture, derivatives } = catalog.getCapture(db, captureId);
    if (derivativeId == null) return { capture, derivative: null, relPath: relPathOf(capture.fileUrl) };
    const derivative = derivatives.find((d) => d.id === derivativeId);
    if (!derivative) throw new AppError('not-found', `Capture ${captureId} has no derived result ${derivativeId}.`);
    return { capture, derivative, relPath: relPathOf(derivative.fileUrl) };
  }

  function layers(captureId: number): { capture: Capture; layers: ViewerLayer[] } {
    const { capture, derivatives } = catalog.getCapture(db, captureId);
    const raw: ViewerLayer = {
      key: 'raw',
      role: 'raw',
      derivativeId: null,
      label: 'Raw capture',
      widthPx: capture.width,
      heightPx: capture.height,
      pixelSizeUm: capture.pixelSizeUm,
      valueUnit: capture.channels >= 3 ? 'counts (R, G, B)' : 'counts',
      provenance: null,
      differenceOf: null,
    };
    const derived = derivatives.map((d): ViewerLayer => {
      const params = paramsOf(db, d.id);
      const role = roleOf(d, params);
      return {
        key: `d${d.id}`,
        role,
        derivativeId: d.id,
        label: labelOf(role, d),
        widthPx: d.width,
        heightPx: d.height,
        // A derivative without a pixel size of its own covers the capture's field: share the capture's width out.
        pixelSizeUm: d.pixelSizeUm ?? (capture.pixelSizeUm != null ? (capture.pixelSizeUm * capture.width) / d.width : null),
        valueUnit: unitOf(role, d.dtype),
        provenance: d.provenance,
        differenceOf:
          role === 'difference' && typeof params.enhancedId === 'number' && typeof params.interpolatedId === 'number'
            ? { enhancedId: params.enhancedId, interpolatedId: params.interpolatedId }
            : null,
      };
    });
    return { capture, layers: [raw, ...derived] };
  }

  function defaultDisplay(role: ViewerLayerRole): DisplayRequest {
    if (role === 'phase') return { colormap: 'cyclic' };
    if (role === 'difference') return { colormap: 'diverging' };
    return {};
  }

  async function openPyramid(captureId: number, derivativeId: number | null | undefined, display: DisplayRequest | undefined): Promise<PyramidInfo> {
    const { capture, derivative, relPath } = layerSource(captureId, derivativeId);
    // The viewer never shows enhanced pixels without saying which model made them.
    if (derivative && derivative.kind === 'enhanced' && !derivative.provenance) {
      throw new AppError('forbidden', `Derived result ${derivative.id} has no provenance recorded, so the viewer does not show it.`);
    }
    const params = derivative ? paramsOf(db, derivative.id) : {};
    const role = derivative ? roleOf(derivative, params) : 'raw';
    // An enhanced result stores the network's values unclipped; its model's output range (manifest output.clip)
    // is the default display window, recorded with it as `displayWindow`.
    const window = params.displayWindow;
    const stored: DisplayRequest = Array.isArray(window) && window.length === 2 && window.every((v) => typeof v === 'number' && Number.isFinite(v)) && window[0] !== window[1] ? { window: [window[0], window[1]] } : {};
    const request = { ...defaultDisplay(role), ...stored, ...display };
    // A raw capture's thumbnail lets a cold open draw a coarse whole image while the overview decodes.
    const info = await pyramid.ensurePyramid(
      relPath,
      request,
      derivative ? undefined : { sourceSha256: capture.sha256, previewRelPath: relPathOf(capture.thumbUrl) },
    );
    return {
      dziUrl: info.dziUrl,
      width: info.width,
      height: info.height,
      tileSize: info.tileSize,
      overlap: info.overlap,
      format: info.format,
      levels: info.levels,
      sampleFormat: info.sampleFormat,
      bands: info.bands,
      display: info.display ?? (await settle(pyramid.displaySettings(info.key), 50)),
    };
  }

  /**
   * The slow part of a raw capture's first open, done ahead (after an import): decodes its overview with the
   * display the viewer will ask for, so opening it later draws tiles without decoding the whole file.
   */
  async function prepareRaw(captureId: number): Promise<void> {
    const { capture, relPath } = layerSource(captureId, null);
    await pyramid.prepare(relPath, defaultDisplay('raw'), { sourceSha256: capture.sha256, previewRelPath: relPathOf(capture.thumbUrl) });
  }

  async function pixel(captureId: number, derivativeId: number | null | undefined, xPx: number, yPx: number) {
    const { capture, derivative, relPath } = layerSource(captureId, derivativeId);
    const values = await pyramid.pixelValue(relPath, xPx, yPx, derivative ? undefined : { sourceSha256: capture.sha256 });
    const role = derivative ? roleOf(derivative, paramsOf(db, derivative.id)) : 'raw';
    return { values, unit: derivative ? unitOf(role, derivative.dtype) : 'counts' };
  }

  /** Writes a file under `derived/c<capture>/` durably (temp, fsync, rename, fsync dir) and returns its relative path. */
  async function writeDerived(captureId: number, name: string, write: (temp: string) => Promise<void>): Promise<string> {
    const rel = `derived/c${captureId}/${name}`;
    const target = abs(rel);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = tempPathFor(target);
    try {
      await write(temp);
      const handle = await fs.open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await commitFile(temp, target);
      await fsyncDir(path.dirname(target));
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    return rel;
  }

  async function interpolate(captureId: number): Promise<Derivative> {
    const { capture, derivatives } = catalog.getCapture(db, captureId);
    const existing = derivatives.find((d) => d.kind === 'interpolated' && d.width === capture.width * 2 && d.height === capture.height * 2);
    if (existing) return existing;
    return once(`interp-${captureId}`, async () => {
      const source = abs(relPathOf(capture.fileUrl));
      let meta: Metadata;
      try {
        meta = await sharp(source, { limitInputPixels: false }).metadata();
      } catch {
        throw new AppError('unreadable-image', `${capture.originalName} could not be read for interpolation.`);
      }
      const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
      if (meta.depth && !['uchar', 'char', 'ushort', 'short'].includes(meta.depth)) {
        throw new AppError('invalid-input', `${capture.originalName} holds ${meta.depth} samples; bicubic ×2 is made for 8- and 16-bit captures.`);
      }
      const grey = (meta.channels ?? 1) <= 2;
      const width = capture.width * 2;
      const height = capture.height * 2;
      const name = `interp2x-${randomUUID().slice(0, 8)}.png`;
      const rel = await writeDerived(captureId, name, async (temp) => {
        // libvips' "cubic" kernel is Catmull-Rom: the textbook bicubic, no sharpening beyond it.
        await sharp(source, { limitInputPixels: false, sequentialRead: true })
          .removeAlpha()
          .resize(width, height, { kernel: 'cubic', fit: 'fill' })
          .toColourspace(grey ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb')
          .png({ compressionLevel: 3 })
          .toFile(temp);
      });
      return deps.record({
        captureId,
        kind: 'interpolated',
        file: rel,
        width,
        height,
        dtype: sixteen ? 'uint16' : 'uint8',
        channels: grey ? 1 : 3,
        pixelSizeUm: capture.pixelSizeUm != null ? capture.pixelSizeUm / 2 : null,
        provenance: null,
        params: { operation: 'bicubic-x2', kernel: 'libvips cubic (Catmull-Rom)', sourceSha256: capture.sha256 },
      });
    });
  }

  /** An image as one band of normalised intensity (8-bit /255, 16-bit /65535, float as stored), at a given size. */
  async function luminance(file: string, widthPx: number, heightPx: number): Promise<Float32Array> {
    if (path.extname(file).toLowerCase() === '.f32') return rawF32Luminance(file, widthPx, heightPx);
    const meta = await sharp(file, { limitInputPixels: false }).metadata();
    const depth = meta.depth ?? 'uchar';
    let image = sharp(file, { limitInputPixels: false }).removeAlpha();
    if (meta.width !== widthPx || meta.height !== heightPx) image = image.resize(widthPx, heightPx, { kernel: 'cubic', fit: 'fill' });
    if (depth === 'uchar' || depth === 'char') {
      const { data } = await image.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      const out = new Float32Array(widthPx * heightPx);
      for (let i = 0; i < out.length; i++) out[i] = data[i] / 255;
      return out;
    }
    if (depth === 'ushort' || depth === 'short') {
      const { data } = await image.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const samples = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      const out = new Float32Array(widthPx * heightPx);
      for (let i = 0; i < out.length; i++) out[i] = samples[i] / 65535;
      return out;
    }
    const { data, info } = await image.raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
    const samples = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    return meanOfBands(samples, info.channels, widthPx * heightPx);
  }

  async function rawF32Luminance(file: string, widthPx: number, heightPx: number): Promise<Float32Array> {
    const stem = file.slice(0, -4);
    let header: { width?: number; height?: number; widthPx?: number; heightPx?: number; channels?: number } = {};
    for (const candidate of [`${stem}.json`, `${file}.json`]) {
      try {
        header = JSON.parse(await fs.readFile(candidate, 'utf8'));
        break;
      } catch {
        // try the next name
      }
    }
    const w = header.width ?? header.widthPx;
    const h = header.height ?? header.heightPx;
    const channels = header.channels ?? 1;
    if (w !== widthPx || h !== heightPx) throw new AppError('invalid-input', 'The enhanced result and the bicubic ×2 image differ in size.');
    const bytes = await fs.readFile(file);
    const samples = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + widthPx * heightPx * channels * 4));
    return meanOfBands(samples, channels, widthPx * heightPx);
  }

  async function difference(captureId: number, enhancedId: number): Promise<Derivative> {
    const { derivatives } = catalog.getCapture(db, captureId);
    const enhanced = derivatives.find((d) => d.id === enhancedId);
    if (!enhanced) throw new AppError('not-found', `Capture ${captureId} has no derived result ${enhancedId}.`);
    if (enhanced.kind !== 'enhanced') throw new AppError('invalid-input', 'A difference map is made from an enhanced result.');
    if (!enhanced.provenance) throw new AppError('forbidden', `Derived result ${enhancedId} has no provenance recorded, so no difference map is made from it.`);
    for (const d of derivatives) {
      const p = paramsOf(db, d.id);
      if (p.operation === 'difference' && p.enhancedId === enhancedId) return d;
    }
    if (enhanced.width * enhanced.height > MAX_DIFFERENCE_PX) {
      throw new AppError('invalid-input', `A difference map of ${enhanced.width} × ${enhanced.height} px is more than Lucida computes in one go (${MAX_DIFFERENCE_PX / 1024 / 1024} Mpx).`);
    }
    return once(`diff-${enhancedId}`, async () => {
      const interpolated = await interpolate(captureId);
      const [a, b] = await Promise.all([
        luminance(abs(relPathOf(enhanced.fileUrl)), enhanced.width, enhanced.height),
        luminance(abs(relPathOf(interpolated.fileUrl)), enhanced.width, enhanced.height),
      ]);
      const diff = new Float32Array(a.length);
      for (let i = 0; i < diff.length; i++) diff[i] = a[i] - b[i];
      const rel = await writeDerived(captureId, `difference-${enhancedId}-${randomUUID().slice(0, 8)}.tif`, async (temp) => {
        await fs.writeFile(temp, Buffer.concat([float32TiffHeader(enhanced.width, enhanced.height), Buffer.from(diff.buffer, diff.byteOffset, diff.byteLength)]));
      });
      return deps.record({
        captureId,
        kind: 'other',
        file: rel,
        width: enhanced.width,
        height: enhanced.height,
        dtype: 'float32',
        channels: 1,
        pixelSizeUm: enhanced.pixelSizeUm,
        // The enhanced side's model made these pixels; the interpolated side is no model's output.
        provenance: enhanced.provenance,
        params: { operation: 'difference', enhancedId, interpolatedId: interpolated.id, units: 'normalised intensity (8-bit /255, 16-bit /65535)' },
      });
    });
  }

  function colormaps() {
    const grey: number[] = [];
    for (let i = 0; i < 256; i++) grey.push(i, i, i);
    return { grey, cyclic: Array.from(COLORMAP_LUTS.cyclic), diverging: Array.from(COLORMAP_LUTS.diverging) };
  }

  return { layers, openPyramid, prepareRaw, pixel, interpolate, difference, colormaps };
}

export type ViewerService = ReturnType<typeof createViewerService>;

function meanOfBands(samples: Float32Array, bands: number, pixels: number): Float32Array {
  if (bands === 1) return samples.length === pixels ? samples : samples.slice(0, pixels);
  const out = new Float32Array(pixels);
  const used = bands >= 3 ? 3 : 1;
  for (let i = 0; i < pixels; i++) {
    let sum = 0;
    for (let c = 0; c < used; c++) sum += samples[i * bands + c];
    out[i] = sum / used;
  }
  return out;
}

/** The value of a promise if it settles within `ms`, else null (display settings that wait on image statistics). */
async function settle<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([promise.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
