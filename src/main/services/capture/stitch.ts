/**
 * Stitching a tile scan: neighbouring fields overlap by a known fraction; the stage says roughly where each field
 * lies, and phase correlation of the overlap strips (src/shared/optics) says exactly, to a fraction of a pixel.
 * Each field is placed from its left neighbour (or, first in a row, its upper one), then drawn into the mosaic
 * in scan order.
 */
import { phaseCorrelate, type ComplexField } from '../../../shared/optics';
import type { Frame } from './types';

export interface Tile {
  row: number;
  column: number;
  frame: Frame;
}

export interface Mosaic {
  widthPx: number;
  heightPx: number;
  data: Uint8Array | Uint16Array;
  /** Where each tile's top-left corner went, in mosaic pixels (row-major tile order). */
  offsets: { row: number; column: number; xPx: number; yPx: number }[];
}

const floorPow2 = (n: number) => 2 ** Math.floor(Math.log2(Math.max(1, n)));

/** Luminance of a frame region as a real-valued complex field. */
function region(frame: Frame, x0: number, y0: number, w: number, h: number): ComplexField {
  const re = new Float64Array(w * h);
  const { data, widthPx, channels } = frame;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = ((y0 + y) * widthPx + x0 + x) * channels;
      let s = 0;
      for (let c = 0; c < channels; c++) s += data[i + c];
      re[y * w + x] = s;
    }
  }
  return { width: w, height: h, re, im: new Float64Array(w * h) };
}

/**
 * Measured displacement between where the stage put `moving` and where it really is, from the overlap with
 * `reference` on its left (`horizontal`) or above. Corrections beyond a quarter of the overlap are not trusted.
 */
export function overlapCorrection(reference: Frame, moving: Frame, overlap: number, horizontal: boolean): { dxPx: number; dyPx: number } {
  const W = reference.widthPx;
  const H = reference.heightPx;
  const ov = Math.round((horizontal ? W : H) * overlap);
  // Power-of-two strips keep the FFTs radix-2 and fast.
  const sw = horizontal ? floorPow2(ov) : floorPow2(W);
  const sh = horizontal ? floorPow2(H) : floorPow2(ov);
  const rx = horizontal ? W - ov + Math.floor((ov - sw) / 2) : Math.floor((W - sw) / 2);
  const ry = horizontal ? Math.floor((H - sh) / 2) : H - ov + Math.floor((ov - sh) / 2);
  const mx = horizontal ? rx - (W - ov) : rx;
  const my = horizontal ? ry : ry - (H - ov);
  const result = phaseCorrelate(region(reference, rx, ry, sw, sh), region(moving, mx, my, sw, sh));
  // moving(x) ≈ reference(x − shift): the moving tile's content sits `shift` further along, so it goes back by it.
  const limit = ov / 4;
  if (Math.abs(result.xPx) > limit || Math.abs(result.yPx) > limit) return { dxPx: 0, dyPx: 0 };
  return { dxPx: -result.xPx, dyPx: -result.yPx };
}

export function stitchTiles(tiles: Tile[], overlap: number): Mosaic {
  const first = tiles[0]!.frame;
  const W = first.widthPx;
  const H = first.heightPx;
  const stepX = W * (1 - overlap);
  const stepY = H * (1 - overlap);
  const at = new Map<string, { x: number; y: number; frame: Frame }>();
  const key = (r: number, c: number) => `${r}/${c}`;
  for (const t of tiles) {
    let x = t.column * stepX;
    let y = t.row * stepY;
    const left = at.get(key(t.row, t.column - 1));
    const up = at.get(key(t.row - 1, t.column));
    if (left) {
      const d = overlapCorrection(left.frame, t.frame, overlap, true);
      x = left.x + stepX + d.dxPx;
      y = left.y + d.dyPx;
    } else if (up) {
      const d = overlapCorrection(up.frame, t.frame, overlap, false);
      x = up.x + d.dxPx;
      y = up.y + stepY + d.dyPx;
    }
    at.set(key(t.row, t.column), { x, y, frame: t.frame });
  }
  const placed = tiles.map((t) => ({ t, p: at.get(key(t.row, t.column))! }));
  const minX = Math.min(...placed.map(({ p }) => p.x));
  const minY = Math.min(...placed.map(({ p }) => p.y));
  const offsets = placed.map(({ t, p }) => ({ row: t.row, column: t.column, xPx: Math.round(p.x - minX), yPx: Math.round(p.y - minY) }));
  const widthPx = Math.max(...offsets.map((o) => o.xPx)) + W;
  const heightPx = Math.max(...offsets.map((o) => o.yPx)) + H;
  const channels = first.channels;
  const data = first.data instanceof Uint8Array ? new Uint8Array(widthPx * heightPx * channels) : new Uint16Array(widthPx * heightPx * channels);
  for (const [i, { t }] of placed.entries()) {
    const o = offsets[i]!;
    for (let y = 0; y < H; y++) {
      const src = t.frame.data.subarray(y * W * channels, (y + 1) * W * channels);
      data.set(src, ((o.yPx + y) * widthPx + o.xPx) * channels);
    }
  }
  return { widthPx, heightPx, data, offsets };
}
