/**
 * Training pairs: the same field taken with a low- and a high-magnification objective (the simulated stage
 * makes the field exact), registered by phase correlation to a fraction of a pixel, and cut into matched patches
 * written as `.npy` files (raw sensor counts, uint16 or uint8, C×H×W) with a JSON index — the shape the
 * training scripts read. Registration happens at the low objective's pixel size: the high image is binned by the
 * magnification ratio onto that grid first.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { phaseCorrelate, type ComplexField } from '../../../shared/optics';
import { commitFile, fsyncDir, tempPathFor, writeDurably } from '../library/files';
import type { Frame } from './types';

/** A .npy file of unsigned integer samples (little-endian), C order. */
export function encodeNpyUint(data: Uint8Array | Uint16Array, shape: number[]): Buffer {
  const descr = data instanceof Uint8Array ? '|u1' : '<u2';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Luminance of a frame, binned `bin`×`bin` (bin may be fractional: area-weighted nearest bins would be overkill here). */
function binnedLuminance(frame: Frame, bin: number): { data: Float64Array; width: number; height: number } {
  const width = Math.floor(frame.widthPx / bin);
  const height = Math.floor(frame.heightPx / bin);
  const out = new Float64Array(width * height);
  const b = Math.round(bin);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let dy = 0; dy < b; dy++) {
        const row = (y * b + dy) * frame.widthPx;
        for (let dx = 0; dx < b; dx++) {
          const i = (row + x * b + dx) * frame.channels;
          for (let c = 0; c < frame.channels; c++) s += frame.data[i + c];
        }
      }
      out[y * width + x] = s;
    }
  }
  return { data: out, width, height };
}

function crop(src: { data: Float64Array; width: number }, x0: number, y0: number, w: number, h: number): ComplexField {
  const re = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) re[y * w + x] = src.data[(y0 + y) * src.width + x0 + x];
  return { width: w, height: h, re, im: new Float64Array(w * h) };
}

const floorPow2 = (n: number) => 2 ** Math.floor(Math.log2(Math.max(1, n)));

export interface Registration {
  /** Magnification ratio high/low (high pixels per low pixel). */
  ratio: number;
  /** Top-left of the high field on the low image, in low pixels (centred fields plus the measured shift). */
  xPx: number;
  yPx: number;
  /** The measured displacement from perfect centring, low pixels (sub-pixel). */
  shiftXPx: number;
  shiftYPx: number;
  peak: number;
}

/** Where the high-magnification field lies on the low-magnification image (both centred on one stage point). */
export function registerPair(low: Frame, high: Frame, ratio: number): Registration {
  const binned = binnedLuminance(high, ratio);
  const lowLum = binnedLuminance(low, 1);
  const w = floorPow2(binned.width);
  const h = floorPow2(binned.height);
  // Nominal top-left of the high field on the low image: both are centred on the stage position.
  const nx = (low.widthPx - high.widthPx / ratio) / 2;
  const ny = (low.heightPx - high.heightPx / ratio) / 2;
  const bx = Math.floor((binned.width - w) / 2);
  const by = Math.floor((binned.height - h) / 2);
  const lx = Math.round(nx) + bx;
  const ly = Math.round(ny) + by;
  const r = phaseCorrelate(crop(lowLum, lx, ly, w, h), crop(binned, bx, by, w, h));
  // moving(x) ≈ reference(x − shift): the high field's content sits at low position (x − shift).
  const shiftXPx = -r.xPx + (Math.round(nx) - nx);
  const shiftYPx = -r.yPx + (Math.round(ny) - ny);
  return { ratio, xPx: nx + shiftXPx, yPx: ny + shiftYPx, shiftXPx, shiftYPx, peak: r.peak };
}

function cropFrame(frame: Frame, x0: number, y0: number, w: number, h: number): Uint8Array | Uint16Array {
  const c = frame.channels;
  const out = frame.data instanceof Uint8Array ? new Uint8Array(w * h * c) : new Uint16Array(w * h * c);
  // C×H×W, the layout networks take.
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) out[(ch * h + y) * w + x] = frame.data[((y0 + y) * frame.widthPx + x0 + x) * c + ch];
    }
  }
  return out;
}

export interface PairPatch {
  low: string;
  high: string;
  field: number;
  /** Patch origin on the low image and on the high image, pixels. */
  lowXPx: number;
  lowYPx: number;
  highXPx: number;
  highYPx: number;
}

/**
 * Cuts matched patches (`patchPx` low pixels, `patchPx·ratio` high pixels) over the area both images cover and
 * writes them durably into `dir` as `low_NNNN.npy` / `high_NNNN.npy`.
 */
export async function writePairPatches(dir: string, field: number, low: Frame, high: Frame, reg: Registration, patchPx: number, startIndex: number): Promise<PairPatch[]> {
  const highPatch = Math.round(patchPx * reg.ratio);
  const patches: PairPatch[] = [];
  let index = startIndex;
  // Low-image positions whose high counterpart lies wholly inside the high image.
  const x0 = Math.ceil(reg.xPx);
  const y0 = Math.ceil(reg.yPx);
  const x1 = Math.floor(reg.xPx + high.widthPx / reg.ratio) - patchPx;
  const y1 = Math.floor(reg.yPx + high.heightPx / reg.ratio) - patchPx;
  for (let ly = y0; ly <= y1; ly += patchPx) {
    for (let lx = x0; lx <= x1; lx += patchPx) {
      const hx = Math.round((lx - reg.xPx) * reg.ratio);
      const hy = Math.round((ly - reg.yPx) * reg.ratio);
      if (hx < 0 || hy < 0 || hx + highPatch > high.widthPx || hy + highPatch > high.heightPx) continue;
      const name = String(index++).padStart(5, '0');
      const lowFile = `low_${name}.npy`;
      const highFile = `high_${name}.npy`;
      await writeFileDurably(path.join(dir, lowFile), encodeNpyUint(cropFrame(low, lx, ly, patchPx, patchPx), [low.channels, patchPx, patchPx]));
      await writeFileDurably(path.join(dir, highFile), encodeNpyUint(cropFrame(high, hx, hy, highPatch, highPatch), [high.channels, highPatch, highPatch]));
      patches.push({ low: lowFile, high: highFile, field, lowXPx: lx, lowYPx: ly, highXPx: hx, highYPx: hy });
    }
  }
  return patches;
}

export async function writeFileDurably(target: string, data: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  await writeDurably(temp, data);
  await commitFile(temp, target);
}

export { fsyncDir };
