/**
 * Tiled inference over a band-streamed source into a band-streamed sink, following the plan in
 * src/shared/tiling.ts. One row of tiles is in memory at a time (its input band, its batch tensors and an
 * output band), so resident memory grows with image width × tile size, not with image area.
 */
import { reflectIndex, tileRowOutputSpan, tileWeights, type Tile, type TileGrid } from '../../../shared/tiling';
import type { ChannelNormalisation, RasterSink, RasterSource } from './raster';

export class InferenceCancelled extends Error {
  constructor(message = 'The run was cancelled.') {
    super(message);
    this.name = 'InferenceCancelled';
  }
}

export type RunBatch = (data: Float32Array, dims: number[]) => Promise<{ data: Float32Array; dims: number[] }>;

export interface TiledRunOptions {
  grid: TileGrid;
  source: RasterSource;
  sink: RasterSink;
  outChannels: number;
  normalisation: ChannelNormalisation;
  batchSize: number;
  runBatch: RunBatch;
  signal?: AbortSignal;
  onProgress?: (tilesDone: number, tilesTotal: number) => void;
}

export interface TiledRunStats {
  tiles: number;
  batches: number;
  /** Time spent inside the model runs only, to compare against the whole pipeline. */
  modelMs: number;
}

/** Cuts one tile out of an input band (rows [bandStart, …) of the image) into NCHW, normalised, at `offset`. */
function gatherTile(tile: Tile, grid: TileGrid, band: Float32Array, bandStart: number, c: number, norm: ChannelNormalisation, out: Float32Array, offset: number): void {
  const w = grid.widthPx;
  const h = grid.heightPx;
  const plane = tile.inWidth * tile.inHeight;
  const xs = new Int32Array(tile.inWidth);
  for (let x = 0; x < tile.inWidth; x++) xs[x] = reflectIndex(tile.inX + x, w) * c;
  for (let y = 0; y < tile.inHeight; y++) {
    const rowBase = (reflectIndex(tile.inY + y, h) - bandStart) * w * c;
    for (let k = 0; k < c; k++) {
      const o = norm.offset[k];
      const inv = 1 / norm.divisor[k];
      const dst = offset + k * plane + y * tile.inWidth;
      for (let x = 0; x < tile.inWidth; x++) out[dst + x] = (band[rowBase + xs[x] + k] - o) * inv;
    }
  }
}

function scatterTile(tile: Tile, grid: TileGrid, result: Float32Array, resultOffset: number, outC: number, acc: Float32Array, accStart: number, accEnd: number): void {
  const s = grid.scale;
  const tw = tile.inWidth * s;
  const th = tile.inHeight * s;
  const plane = tw * th;
  const outW = grid.outWidthPx;
  const { wx, wy } = tileWeights(grid, tile);
  let x0 = 0;
  while (x0 < tw && wx[x0] === 0) x0++;
  let x1 = tw;
  while (x1 > x0 && wx[x1 - 1] === 0) x1--;
  x1 = Math.min(x1, outW - tile.inX * s);
  const crop = grid.blendPx === 0;
  for (let y = 0; y < th; y++) {
    const oy = tile.inY * s + y;
    if (wy[y] === 0 || oy < accStart || oy >= accEnd) continue;
    const rowBase = (oy - accStart) * outW * outC + tile.inX * s * outC;
    const src = resultOffset + y * tw;
    if (crop) {
      // Weights are 0 or 1 and each output pixel has exactly one owner: copy, no multiply-add.
      for (let x = x0; x < x1; x++) {
        const dst = rowBase + x * outC;
        for (let k = 0; k < outC; k++) acc[dst + k] = result[src + k * plane + x];
      }
    } else {
      const wyy = wy[y];
      for (let x = x0; x < x1; x++) {
        const wgt = wx[x] * wyy;
        if (wgt === 0) continue;
        const dst = rowBase + x * outC;
        for (let k = 0; k < outC; k++) acc[dst + k] += wgt * result[src + k * plane + x];
      }
    }
  }
}

export async function runTiled(opts: TiledRunOptions): Promise<TiledRunStats> {
  const { grid, source, sink, outChannels: outC, normalisation, runBatch, signal } = opts;
  const c = source.channels;
  const rowLen = grid.outWidthPx * outC;
  const stats: TiledRunStats = { tiles: 0, batches: 0, modelMs: 0 };
  let carry: Float32Array | null = null;
  let carryStart = 0;
  const check = () => {
    if (signal?.aborted) throw new InferenceCancelled();
  };
  for (let row = 0; row < grid.rows; row++) {
    check();
    const rowTiles = grid.tiles.slice(row * grid.cols, (row + 1) * grid.cols);
    const first = rowTiles[0];
    let bandLo = Infinity;
    let bandHi = -Infinity;
    for (let y = first.inY; y < first.inY + first.inHeight; y++) {
      const r = reflectIndex(y, grid.heightPx);
      bandLo = Math.min(bandLo, r);
      bandHi = Math.max(bandHi, r);
    }
    const band = await source.readRows(bandLo, bandHi + 1);
    const span = tileRowOutputSpan(grid, row);
    const acc = new Float32Array((span.end - span.start) * rowLen);
    if (carry) acc.set(carry, (carryStart - span.start) * rowLen);

    const tileLen = c * first.inWidth * first.inHeight;
    for (let i = 0; i < rowTiles.length; i += opts.batchSize) {
      check();
      const batch = rowTiles.slice(i, i + opts.batchSize);
      // A short last batch is padded (with copies of its first tile) to the full batch: GPU providers plan and
      // compile per input shape, and one shape for the whole image means one plan.
      const runLength = opts.batchSize > 1 ? opts.batchSize : batch.length;
      const input = new Float32Array(runLength * tileLen);
      batch.forEach((tile, b) => gatherTile(tile, grid, band, bandLo, c, normalisation, input, b * tileLen));
      for (let b = batch.length; b < runLength; b++) input.copyWithin(b * tileLen, 0, tileLen);
      const started = performance.now();
      const out = await runBatch(input, [runLength, c, first.inHeight, first.inWidth]);
      stats.modelMs += performance.now() - started;
      const expected = [runLength, outC, first.inHeight * grid.scale, first.inWidth * grid.scale];
      if (out.dims.join('x') !== expected.join('x')) {
        throw new Error(`The model returned ${out.dims.join('×')} for a tile; expected ${expected.join('×')} (check the manifest's scale and output channels).`);
      }
      const outLen = outC * expected[2] * expected[3];
      batch.forEach((tile, b) => scatterTile(tile, grid, out.data, b * outLen, outC, acc, span.start, span.end));
      stats.tiles += batch.length;
      stats.batches++;
      opts.onProgress?.(stats.tiles, grid.tiles.length);
    }

    const nextStart = row + 1 < grid.rows ? tileRowOutputSpan(grid, row + 1).start : span.end;
    await sink.writeRows(span.start, acc.subarray(0, (nextStart - span.start) * rowLen));
    carry = acc.slice((nextStart - span.start) * rowLen);
    carryStart = nextStart;
  }
  return stats;
}
