/**
 * Tile maths for running a fully convolutional network on an image of any size. Pure: no Node, no DOM.
 *
 * The rule that makes tiled output equal untiled output
 * -----------------------------------------------------
 * Untiled inference runs the network once on the *canvas*: the image padded on the right and bottom (never on
 * the left or top) up to the next multiple of `multiple`, the padding filled by mirror reflection of the image
 * (numpy's `reflect`: the edge pixel is not repeated). Inside the network every convolution then zero-pads at
 * the canvas border.
 *
 * Tiled inference feeds the network windows of that same canvas, never anything outside it: a window is
 * shifted inward at the canvas border instead of being padded. So a pixel near the border sees exactly the
 * zero padding it would see untiled, and a pixel in the interior sees real neighbours out to the halo. All
 * window origins are multiples of `multiple` so strided convolutions and pixel shuffles keep the same phase as
 * untiled. Each window owns a *core*; the cores partition the canvas and every core lies at least `halo` px
 * inside its window on every side that is not a canvas border. For a network whose receptive radius is at
 * most `halo`, the output over a core is therefore the untiled output, bit for bit up to float reordering.
 *
 * Blending: the default is crop-the-halo (`blendPx` 0): each output pixel comes from exactly one tile. That is
 * the choice that guarantees equality with untiled output for every receptive radius ≤ halo. A smooth blend
 * (raised-cosine weights that sum to 1 across a band of `blendPx` centred on each core boundary) can be asked
 * for to hide seams of networks whose receptive field reaches past the halo; it stays exact only while
 * receptive radius ≤ halo − blendPx / 2, since the band reaches that far into each neighbour's halo.
 */

export interface TilingSpec {
  widthPx: number;
  heightPx: number;
  /** Edge of the window the network sees, halo included (rounded down to a multiple of `multiple`). */
  tileSizePx: number;
  /** Context on each side of a core (rounded up to a multiple of `multiple`). */
  haloPx: number;
  /** Output pixels per input pixel (1 or 2 for our models; any positive integer works). */
  scale: number;
  /** Input window dimensions must be multiples of this (2^depth for a U-Net); 1 for none. */
  multiple: number;
  /** Width of the blending band across each core boundary, input px; 0 = crop the halo. */
  blendPx?: number;
}

export interface Tile {
  index: number;
  row: number;
  col: number;
  /** Window on the canvas fed to the network, input px. */
  inX: number;
  inY: number;
  inWidth: number;
  inHeight: number;
  /** The part of the canvas this tile owns, input px. */
  coreX: number;
  coreY: number;
  coreWidth: number;
  coreHeight: number;
}

export interface TileGrid {
  widthPx: number;
  heightPx: number;
  canvasWidthPx: number;
  canvasHeightPx: number;
  outWidthPx: number;
  outHeightPx: number;
  tileSizePx: number;
  haloPx: number;
  coreSizePx: number;
  blendPx: number;
  scale: number;
  multiple: number;
  cols: number;
  rows: number;
  /** Row-major: all tiles of row 0, then row 1, … (the order the engine streams them in). */
  tiles: Tile[];
}

export class TilingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TilingError';
  }
}

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new TilingError(`${name} must be a positive whole number (got ${value}).`);
}

export const roundUpTo = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;
export const roundDownTo = (value: number, multiple: number): number => Math.floor(value / multiple) * multiple;

/** Canvas dimension for an image dimension: the smallest multiple of `multiple` that holds it. */
export function canvasSize(sizePx: number, multiple: number): number {
  return roundUpTo(sizePx, multiple);
}

/**
 * Where canvas coordinate `i` reads from in an image of `n` px: mirror reflection without repeating the edge
 * (… 2 1 | 0 1 2 … n−2 n−1 | n−2 n−3 …), folded again as often as needed, so even a canvas wider than twice
 * the image is defined. An image of one pixel reflects to itself.
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

interface AxisSpan {
  inStart: number;
  inSize: number;
  coreStart: number;
  coreSize: number;
}

function planAxis(canvas: number, tile: number, core: number): AxisSpan[] {
  if (canvas <= tile) return [{ inStart: 0, inSize: canvas, coreStart: 0, coreSize: canvas }];
  const spans: AxisSpan[] = [];
  const halo = (tile - core) / 2;
  for (let coreStart = 0; coreStart < canvas; coreStart += core) {
    const coreSize = Math.min(core, canvas - coreStart);
    // Shift the window inward at the canvas border instead of padding: the border then looks to the network
    // exactly as it does untiled. The shifted window still holds ≥ 2·halo of context on its inner side.
    const inStart = Math.min(Math.max(coreStart - halo, 0), canvas - tile);
    spans.push({ inStart, inSize: tile, coreStart, coreSize });
  }
  return spans;
}

export function planTiles(spec: TilingSpec): TileGrid {
  positiveInt('Image width', spec.widthPx);
  positiveInt('Image height', spec.heightPx);
  positiveInt('Tile size', spec.tileSizePx);
  positiveInt('Scale', spec.scale);
  positiveInt('Multiple', spec.multiple);
  if (!Number.isInteger(spec.haloPx) || spec.haloPx < 0) throw new TilingError(`Halo must be a whole number ≥ 0 (got ${spec.haloPx}).`);
  const m = spec.multiple;
  const tileSizePx = roundDownTo(spec.tileSizePx, m);
  const haloPx = roundUpTo(spec.haloPx, m);
  const coreSizePx = tileSizePx - 2 * haloPx;
  if (coreSizePx < m) {
    throw new TilingError(
      `A tile of ${spec.tileSizePx} px with a halo of ${spec.haloPx} px leaves no room for a core (multiple ${m}); use a tile of at least ${2 * haloPx + m} px.`,
    );
  }
  const blendRequested = spec.blendPx ?? 0;
  if (!Number.isInteger(blendRequested) || blendRequested < 0) throw new TilingError(`Blend width must be a whole number ≥ 0 (got ${blendRequested}).`);
  // The band must fit inside both neighbours' windows (≤ 2·halo) and must not reach the next boundary (≤ core).
  const blendPx = Math.min(blendRequested, 2 * haloPx, coreSizePx);

  const canvasWidthPx = canvasSize(spec.widthPx, m);
  const canvasHeightPx = canvasSize(spec.heightPx, m);
  const xs = planAxis(canvasWidthPx, tileSizePx, coreSizePx);
  const ys = planAxis(canvasHeightPx, tileSizePx, coreSizePx);
  const tiles: Tile[] = [];
  ys.forEach((y, row) =>
    xs.forEach((x, col) =>
      tiles.push({
        index: tiles.length,
        row,
        col,
        inX: x.inStart,
        inY: y.inStart,
        inWidth: x.inSize,
        inHeight: y.inSize,
        coreX: x.coreStart,
        coreY: y.coreStart,
        coreWidth: x.coreSize,
        coreHeight: y.coreSize,
      }),
    ),
  );
  return {
    widthPx: spec.widthPx,
    heightPx: spec.heightPx,
    canvasWidthPx,
    canvasHeightPx,
    outWidthPx: spec.widthPx * spec.scale,
    outHeightPx: spec.heightPx * spec.scale,
    tileSizePx,
    haloPx,
    coreSizePx,
    blendPx,
    scale: spec.scale,
    multiple: m,
    cols: xs.length,
    rows: ys.length,
    tiles,
  };
}

/**
 * Weight of one tile along one axis at output pixel `o` (output px, canvas frame). 1 inside the core, 0
 * outside the core and its bands, and across a band a raised cosine; the neighbour's weight is its
 * complement, so weights sum to 1 everywhere. With no band this is the core's indicator (crop the halo).
 */
export function axisWeight(o: number, coreStartPx: number, coreEndPx: number, canvasPx: number, blendPx: number, scale: number): number {
  const c = (o + 0.5) / scale; // pixel centre in input px
  const rise = edgeWeight(c, coreStartPx, blendPx, coreStartPx === 0);
  const fall = 1 - edgeWeight(c, coreEndPx, blendPx, coreEndPx >= canvasPx);
  return Math.min(rise, fall);
}

/** Weight of "being past boundary p": 0 well before it, 1 well after, raised cosine across the band. */
function edgeWeight(c: number, p: number, blendPx: number, isCanvasBorder: boolean): number {
  if (isCanvasBorder) return c >= p ? 1 : 0;
  if (blendPx === 0) return c >= p ? 1 : 0;
  const t = (c - (p - blendPx / 2)) / blendPx;
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return 0.5 - 0.5 * Math.cos(Math.PI * t);
}

/** Per-tile weights in output px over the tile's window, one array per axis (the weight is their product). */
export function tileWeights(grid: TileGrid, tile: Tile): { wx: Float64Array; wy: Float64Array } {
  const s = grid.scale;
  const axis = (inStart: number, inSize: number, coreStart: number, coreSize: number, canvas: number) => {
    const w = new Float64Array(inSize * s);
    for (let i = 0; i < w.length; i++) {
      w[i] = axisWeight(inStart * s + i, coreStart, coreStart + coreSize, canvas, grid.blendPx, s);
    }
    return w;
  };
  return {
    wx: axis(tile.inX, tile.inWidth, tile.coreX, tile.coreWidth, grid.canvasWidthPx),
    wy: axis(tile.inY, tile.inHeight, tile.coreY, tile.coreHeight, grid.canvasHeightPx),
  };
}

/** Output rows (output px, half-open) a tile row writes to with non-zero weight, clipped to the image. */
export function tileRowOutputSpan(grid: TileGrid, row: number): { start: number; end: number } {
  const tile = grid.tiles[row * grid.cols];
  const half = grid.blendPx / 2;
  const start = tile.coreY === 0 ? 0 : Math.floor((tile.coreY - half) * grid.scale);
  const coreEnd = tile.coreY + tile.coreHeight;
  const end = coreEnd >= grid.canvasHeightPx ? grid.canvasHeightPx * grid.scale : Math.ceil((coreEnd + half) * grid.scale);
  return { start: Math.max(0, start), end: Math.min(grid.outHeightPx, end) };
}
