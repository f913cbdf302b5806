/**
 * Deep Zoom tile maths, pure. Level 0 is one pixel, the last level is the full image, and each level halves the
 * one above it rounding up — the same sizes OpenSeadragon computes from the DZI descriptor, so a tile we name
 * is the tile it asks for.
 */

/**
 * 254 + 1 px of overlap on each inner side makes an interior tile exactly 256 px: a power-of-two texture for the
 * GPU and the libvips default. The overlap lets OpenSeadragon draw neighbouring tiles over each other at
 * fractional zoom, so no hairline gap shows between them.
 */
export const TILE_SIZE_PX = 254;
export const TILE_OVERLAP_PX = 1;

export type TileFormat = 'jpeg' | 'png';

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Index of the full-resolution level: ceil(log2(max side)), exact for powers of two (no floating log). */
export function maxLevel(widthPx: number, heightPx: number): number {
  const side = Math.max(widthPx, heightPx);
  let level = 0;
  while (2 ** level < side) level++;
  return level;
}

export function levelCount(widthPx: number, heightPx: number): number {
  return maxLevel(widthPx, heightPx) + 1;
}

/** How many full-resolution pixels one pixel of `level` covers along each axis. */
export function levelFactor(widthPx: number, heightPx: number, level: number): number {
  return 2 ** (maxLevel(widthPx, heightPx) - level);
}

export function levelSize(widthPx: number, heightPx: number, level: number): Size {
  const factor = levelFactor(widthPx, heightPx, level);
  return { width: Math.ceil(widthPx / factor), height: Math.ceil(heightPx / factor) };
}

export function tileGrid(level: Size, tileSizePx = TILE_SIZE_PX): { cols: number; rows: number } {
  return { cols: Math.ceil(level.width / tileSizePx), rows: Math.ceil(level.height / tileSizePx) };
}

/** The pixels of `level` a tile holds, overlap included (none on the outer edges of the image). */
export function tileRect(level: Size, col: number, row: number, tileSizePx = TILE_SIZE_PX, overlapPx = TILE_OVERLAP_PX): Rect {
  const left = col * tileSizePx - (col > 0 ? overlapPx : 0);
  const top = row * tileSizePx - (row > 0 ? overlapPx : 0);
  const right = Math.min(level.width, (col + 1) * tileSizePx + overlapPx);
  const bottom = Math.min(level.height, (row + 1) * tileSizePx + overlapPx);
  return { left, top, width: right - left, height: bottom - top };
}

/** Whether (level, col, row) names a tile that exists for an image of this size. */
export function isTileInRange(widthPx: number, heightPx: number, level: number, col: number, row: number): boolean {
  if (![level, col, row].every((n) => Number.isInteger(n) && n >= 0)) return false;
  if (level > maxLevel(widthPx, heightPx)) return false;
  const grid = tileGrid(levelSize(widthPx, heightPx, level));
  return col < grid.cols && row < grid.rows;
}

export function dziXml(widthPx: number, heightPx: number, format: TileFormat): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="${format}" Overlap="${TILE_OVERLAP_PX}" TileSize="${TILE_SIZE_PX}">\n` +
    `  <Size Width="${widthPx}" Height="${heightPx}"/>\n` +
    '</Image>\n'
  );
}

/**
 * The smallest level whose size covers a viewport showing the whole image: what a viewer opened on this image
 * needs before it can draw anything sharp.
 */
export function levelFittingViewport(widthPx: number, heightPx: number, viewport: Size): number {
  const scale = Math.min(viewport.width / widthPx, viewport.height / heightPx, 1);
  const top = maxLevel(widthPx, heightPx);
  for (let level = 0; level <= top; level++) {
    const size = levelSize(widthPx, heightPx, level);
    if (size.width >= widthPx * scale && size.height >= heightPx * scale) return level;
  }
  return top;
}
