import { describe, expect, it } from 'vitest';
import { planTiles, reflectIndex, tileRowOutputSpan, tileWeights, TilingError, type TileGrid, type TilingSpec } from './tiling';

/**
 * A stand-in for a convolutional network, so the tiling rule is tested without onnxruntime: a box filter of
 * radius `radius` that zero-pads at its input's border (as a conv does), plus a term that depends on the
 * position relative to the input's origin modulo `multiple` (as a strided conv / pixel shuffle does), plus a
 * sub-pixel term for scale > 1.
 */
function fakeNet(input: Float64Array, w: number, h: number, radius: number, multiple: number, scale: number): Float64Array {
  const out = new Float64Array(w * scale * h * scale);
  for (let oy = 0; oy < h * scale; oy++) {
    for (let ox = 0; ox < w * scale; ox++) {
      const x = Math.floor(ox / scale);
      const y = Math.floor(oy / scale);
      let sum = 0;
      // Sparse taps that still reach exactly `radius` (a dense box is slow and adds nothing).
      const taps = radius === 0 ? [0] : [...new Set([-radius, -Math.ceil(radius / 2), -1, 0, 1, Math.ceil(radius / 2), radius])];
      for (const dy of taps) {
        for (const dx of taps) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          sum += input[yy * w + xx] * (1 + 0.1 * dx + 0.01 * dy);
        }
      }
      out[oy * w * scale + ox] = sum + 0.5 * (x % multiple) + 0.25 * (y % multiple) + 0.125 * (ox % scale) + 0.0625 * (oy % scale);
    }
  }
  return out;
}

function image(w: number, h: number): Float64Array {
  const img = new Float64Array(w * h);
  for (let i = 0; i < img.length; i++) img[i] = Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453);
  return img;
}

function canvasWindow(img: Float64Array, w: number, h: number, x0: number, y0: number, cw: number, ch: number): Float64Array {
  const win = new Float64Array(cw * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) win[y * cw + x] = img[reflectIndex(y0 + y, h) * w + reflectIndex(x0 + x, w)];
  return win;
}

function untiled(img: Float64Array, spec: TilingSpec, radius: number): Float64Array {
  const grid = planTiles({ ...spec, tileSizePx: 1 << 20 });
  const canvas = canvasWindow(img, spec.widthPx, spec.heightPx, 0, 0, grid.canvasWidthPx, grid.canvasHeightPx);
  const full = fakeNet(canvas, grid.canvasWidthPx, grid.canvasHeightPx, radius, spec.multiple, spec.scale);
  const out = new Float64Array(grid.outWidthPx * grid.outHeightPx);
  for (let y = 0; y < grid.outHeightPx; y++) for (let x = 0; x < grid.outWidthPx; x++) out[y * grid.outWidthPx + x] = full[y * grid.canvasWidthPx * spec.scale + x];
  return out;
}

function tiled(img: Float64Array, grid: TileGrid, radius: number): { out: Float64Array; weightSum: Float64Array } {
  const s = grid.scale;
  const out = new Float64Array(grid.outWidthPx * grid.outHeightPx);
  const weightSum = new Float64Array(out.length);
  for (const tile of grid.tiles) {
    const win = canvasWindow(img, grid.widthPx, grid.heightPx, tile.inX, tile.inY, tile.inWidth, tile.inHeight);
    const res = fakeNet(win, tile.inWidth, tile.inHeight, radius, grid.multiple, s);
    const { wx, wy } = tileWeights(grid, tile);
    for (let y = 0; y < tile.inHeight * s; y++) {
      const oy = tile.inY * s + y;
      if (oy >= grid.outHeightPx || wy[y] === 0) continue;
      for (let x = 0; x < tile.inWidth * s; x++) {
        const ox = tile.inX * s + x;
        if (ox >= grid.outWidthPx || wx[x] === 0) continue;
        const wgt = wx[x] * wy[y];
        out[oy * grid.outWidthPx + ox] += wgt * res[y * tile.inWidth * s + x];
        weightSum[oy * grid.outWidthPx + ox] += wgt;
      }
    }
  }
  return { out, weightSum };
}

const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('reflectIndex', () => {
  it('mirrors without repeating the edge, and folds again past twice the size', () => {
    expect([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 4))).toEqual([3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
    expect(reflectIndex(7, 4)).toBe(1);
    expect(reflectIndex(5, 1)).toBe(0);
  });
});

describe('planTiles', () => {
  const specs: TilingSpec[] = [
    { widthPx: 301, heightPx: 197, tileSizePx: 96, haloPx: 24, scale: 1, multiple: 4 },
    { widthPx: 301, heightPx: 197, tileSizePx: 48, haloPx: 8, scale: 2, multiple: 1 },
    { widthPx: 1000, heightPx: 7, tileSizePx: 64, haloPx: 10, scale: 1, multiple: 8 },
    { widthPx: 50, heightPx: 50, tileSizePx: 512, haloPx: 32, scale: 2, multiple: 16 },
  ];

  it.each(specs)('keeps windows inside the canvas, aligned to the multiple, cores partitioning it, halo %#', (spec) => {
    const g = planTiles(spec);
    expect(g.canvasWidthPx % spec.multiple).toBe(0);
    expect(g.canvasWidthPx - spec.widthPx).toBeLessThan(spec.multiple);
    const owner = new Int32Array(g.canvasWidthPx * g.canvasHeightPx);
    for (const t of g.tiles) {
      expect(t.inX % spec.multiple).toBe(0);
      expect(t.inY % spec.multiple).toBe(0);
      expect(t.inWidth % spec.multiple).toBe(0);
      expect(t.inHeight % spec.multiple).toBe(0);
      expect(t.inX).toBeGreaterThanOrEqual(0);
      expect(t.inX + t.inWidth).toBeLessThanOrEqual(g.canvasWidthPx);
      expect(t.inY + t.inHeight).toBeLessThanOrEqual(g.canvasHeightPx);
      // Context of at least the halo on every side where the window stops short of the canvas border (where
      // it reaches the border, the network sees the same zero padding as untiled).
      if (t.inX > 0) expect(t.coreX - t.inX).toBeGreaterThanOrEqual(g.haloPx);
      if (t.inY > 0) expect(t.coreY - t.inY).toBeGreaterThanOrEqual(g.haloPx);
      if (t.inX + t.inWidth < g.canvasWidthPx) expect(t.inX + t.inWidth - (t.coreX + t.coreWidth)).toBeGreaterThanOrEqual(g.haloPx);
      if (t.inY + t.inHeight < g.canvasHeightPx) expect(t.inY + t.inHeight - (t.coreY + t.coreHeight)).toBeGreaterThanOrEqual(g.haloPx);
      for (let y = t.coreY; y < t.coreY + t.coreHeight; y++) for (let x = t.coreX; x < t.coreX + t.coreWidth; x++) owner[y * g.canvasWidthPx + x]++;
    }
    expect(owner.every((n) => n === 1)).toBe(true);
  });

  it('uses one window size for every tile once the canvas is larger than a tile (so tiles batch)', () => {
    const g = planTiles(specs[0]);
    expect(new Set(g.tiles.map((t) => `${t.inWidth}x${t.inHeight}`))).toEqual(new Set(['96x96']));
    expect(g.cols).toBe(7);
    expect(g.rows).toBe(5);
  });

  it('refuses a tile that leaves no core, with a message that says what size would work', () => {
    expect(() => planTiles({ widthPx: 100, heightPx: 100, tileSizePx: 48, haloPx: 24, scale: 1, multiple: 4 })).toThrow(TilingError);
    expect(() => planTiles({ widthPx: 100, heightPx: 100, tileSizePx: 48, haloPx: 24, scale: 1, multiple: 4 })).toThrow(/at least 52 px/);
    expect(() => planTiles({ widthPx: 0, heightPx: 100, tileSizePx: 48, haloPx: 2, scale: 1, multiple: 1 })).toThrow(/width/);
  });

  it('rounds the halo up and the tile down to the multiple', () => {
    const g = planTiles({ widthPx: 500, heightPx: 500, tileSizePx: 100, haloPx: 10, scale: 1, multiple: 8 });
    expect(g.tileSizePx).toBe(96);
    expect(g.haloPx).toBe(16);
    expect(g.coreSizePx).toBe(64);
  });
});

describe('blending weights', () => {
  it.each([0, 8, 13, 48])('sum to 1 over the output image (blend %i px, scale 2)', (blendPx) => {
    const g = planTiles({ widthPx: 157, heightPx: 91, tileSizePx: 48, haloPx: 8, scale: 2, multiple: 1, blendPx });
    const { weightSum } = tiled(new Float64Array(157 * 91), g, 0);
    expect(maxAbsDiff(weightSum, new Float64Array(weightSum.length).fill(1))).toBeLessThan(1e-6);
  });

  it('clamps the band to what the halo and core allow', () => {
    expect(planTiles({ widthPx: 157, heightPx: 91, tileSizePx: 48, haloPx: 8, scale: 1, multiple: 1, blendPx: 100 }).blendPx).toBe(16);
  });

  it('reports the output rows each tile row touches, overlapping by the band', () => {
    const g = planTiles({ widthPx: 100, heightPx: 100, tileSizePx: 48, haloPx: 8, scale: 2, multiple: 1, blendPx: 4 });
    expect(tileRowOutputSpan(g, 0)).toEqual({ start: 0, end: (32 + 2) * 2 });
    expect(tileRowOutputSpan(g, 1)).toEqual({ start: (32 - 2) * 2, end: (64 + 2) * 2 });
    expect(tileRowOutputSpan(g, g.rows - 1).end).toBe(200);
  });
});

describe('tiled equals untiled for a network with receptive radius within the halo', () => {
  const cases: [string, TilingSpec, number][] = [
    ['crop, ×1, multiple 4, odd size', { widthPx: 301, heightPx: 197, tileSizePx: 96, haloPx: 24, scale: 1, multiple: 4 }, 24],
    ['crop, ×2, odd size', { widthPx: 131, heightPx: 77, tileSizePx: 40, haloPx: 6, scale: 2, multiple: 1 }, 6],
    ['blend 8, ×1, multiple 8', { widthPx: 203, heightPx: 119, tileSizePx: 80, haloPx: 16, scale: 1, multiple: 8, blendPx: 8 }, 12],
    ['blend 4, ×2, multiple 2', { widthPx: 99, heightPx: 61, tileSizePx: 40, haloPx: 8, scale: 2, multiple: 2, blendPx: 4 }, 6],
  ];
  it.each(cases)('%s', (_name, spec, radius) => {
    const img = image(spec.widthPx, spec.heightPx);
    const grid = planTiles(spec);
    expect(grid.tiles.length).toBeGreaterThan(4);
    const diff = maxAbsDiff(tiled(img, grid, radius).out, untiled(img, spec, radius));
    expect(diff).toBeLessThan(1e-9);
  });

  it('differs once the receptive radius exceeds the halo (the test can see a seam)', () => {
    const spec: TilingSpec = { widthPx: 131, heightPx: 77, tileSizePx: 40, haloPx: 6, scale: 1, multiple: 1 };
    const img = image(spec.widthPx, spec.heightPx);
    expect(maxAbsDiff(tiled(img, planTiles(spec), 8).out, untiled(img, spec, 8))).toBeGreaterThan(1e-3);
  });

  it('differs when windows would start off the stride grid (why origins are multiples)', () => {
    const spec: TilingSpec = { widthPx: 131, heightPx: 77, tileSizePx: 40, haloPx: 6, scale: 1, multiple: 1 };
    const img = image(spec.widthPx, spec.heightPx);
    const grid = planTiles(spec);
    // Same grid, but the network has a stride-4 phase dependence the grid was not told about.
    const phaseNet = (m: number) => {
      const g2 = { ...grid, multiple: m };
      return maxAbsDiff(tiled(img, g2, 3).out, untiled(img, { ...spec, multiple: m }, 3));
    };
    expect(phaseNet(4)).toBeGreaterThan(0.1);
  });
});
