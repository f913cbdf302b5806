/**
 * A procedural virtual slide: H&E-like stained tissue defined at every point of the plane (in micrometres), so
 * it can be rendered at any pixel size and any stage position and always shows the same specimen. Deterministic
 * under its seed. Rendered in 256-px tiles on a ladder of pixel sizes (0.125 µm · 2^level) and cached, because a
 * live view asks for the same places over and over.
 *
 * Optical model: Beer–Lambert with the Ruifrok–Johnston optical-density vectors of haematoxylin and eosin, so
 * transmittance per colour channel is exp(−(h·H + e·E)).
 */

export const TILE_PX = 256;
/** Finest pixel size the slide is rendered at; objectives finer than this sample it bilinearly. */
export const BASE_PIXEL_UM = 0.125;
const NUCLEUS_GRID_UM = 11;
// Optical densities per unit stain (R, G, B), Ruifrok & Johnston 2001, scaled to look like a routine H&E.
const HAEMATOXYLIN = [0.65, 0.7, 0.29].map((v) => v * 1.25);
const EOSIN = [0.07, 0.99, 0.11].map((v) => v * 0.6);

/** 32-bit integer hash of a lattice point and the seed, in [0, 1). */
function hash3(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1) with lattice spacing `cellUm`. */
function valueNoise(xUm: number, yUm: number, cellUm: number, seed: number): number {
  const fx = xUm / cellUm;
  const fy = yUm / cellUm;
  const ix = Math.floor(fx);
  const iy = Math.floor(fy);
  let tx = fx - ix;
  let ty = fy - iy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const a = hash3(ix, iy, seed);
  const b = hash3(ix + 1, iy, seed);
  const c = hash3(ix, iy + 1, seed);
  const d = hash3(ix + 1, iy + 1, seed);
  return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
}

interface Nucleus {
  xUm: number;
  yUm: number;
  aUm: number;
  bUm: number;
  cos: number;
  sin: number;
  density: number;
}

/** The nucleus (if any) of one lattice cell; the same for every tile that asks. */
function nucleusOf(cx: number, cy: number, seed: number): Nucleus | null {
  if (hash3(cx, cy, seed + 11) > 0.45) return null;
  const xUm = (cx + 0.15 + 0.7 * hash3(cx, cy, seed + 12)) * NUCLEUS_GRID_UM;
  const yUm = (cy + 0.15 + 0.7 * hash3(cx, cy, seed + 13)) * NUCLEUS_GRID_UM;
  // Nuclei only where there is tissue.
  if (tissueAt(xUm, yUm, seed) < 0.35) return null;
  const angle = Math.PI * hash3(cx, cy, seed + 14);
  const aUm = 2.4 + 2.2 * hash3(cx, cy, seed + 15);
  return {
    xUm,
    yUm,
    aUm,
    bUm: aUm * (0.55 + 0.4 * hash3(cx, cy, seed + 16)),
    cos: Math.cos(angle),
    sin: Math.sin(angle),
    density: 0.7 + 0.6 * hash3(cx, cy, seed + 17),
  };
}

/** 0 on bare glass, 1 in tissue; tissue islands a few hundred µm across with lumens. */
function tissueAt(xUm: number, yUm: number, seed: number): number {
  const n = 0.65 * valueNoise(xUm, yUm, 420, seed + 1) + 0.35 * valueNoise(xUm, yUm, 90, seed + 2);
  const t = (n - 0.38) / 0.08;
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

/**
 * Renders one tile: RGB transmittance in [0, 1] scaled to 0..65535, interleaved. Tile (tx, ty) at `pixelUm`
 * covers [tx·256·p, (tx+1)·256·p) in x.
 */
export function renderTile(tx: number, ty: number, pixelUm: number, seed: number): Uint16Array {
  const n = TILE_PX * TILE_PX;
  const h = new Float32Array(n);
  const e = new Float32Array(n);
  const x0 = tx * TILE_PX * pixelUm;
  const y0 = ty * TILE_PX * pixelUm;
  for (let j = 0; j < TILE_PX; j++) {
    const yUm = y0 + (j + 0.5) * pixelUm;
    for (let i = 0; i < TILE_PX; i++) {
      const xUm = x0 + (i + 0.5) * pixelUm;
      const tissue = tissueAt(xUm, yUm, seed);
      if (tissue === 0) continue;
      // Stroma: eosin fibres (anisotropic noise) with a faint haematoxylin background.
      const fibre = valueNoise(xUm * 0.35, yUm, 6, seed + 3);
      const fine = valueNoise(xUm, yUm, 1.6, seed + 4);
      e[j * TILE_PX + i] = tissue * (0.35 + 0.45 * fibre + 0.2 * fine);
      h[j * TILE_PX + i] = tissue * 0.06 * fine;
    }
  }
  // Nuclei of every lattice cell whose nucleus can reach the tile.
  const reach = 6;
  const cx0 = Math.floor((x0 - reach) / NUCLEUS_GRID_UM);
  const cx1 = Math.floor((x0 + TILE_PX * pixelUm + reach) / NUCLEUS_GRID_UM);
  const cy0 = Math.floor((y0 - reach) / NUCLEUS_GRID_UM);
  const cy1 = Math.floor((y0 + TILE_PX * pixelUm + reach) / NUCLEUS_GRID_UM);
  for (let cy = cy0; cy <= cy1; cy++) {
    for (let cx = cx0; cx <= cx1; cx++) {
      const nuc = nucleusOf(cx, cy, seed);
      if (!nuc) continue;
      const i0 = Math.max(0, Math.floor((nuc.xUm - nuc.aUm - x0) / pixelUm) - 1);
      const i1 = Math.min(TILE_PX - 1, Math.ceil((nuc.xUm + nuc.aUm - x0) / pixelUm) + 1);
      const j0 = Math.max(0, Math.floor((nuc.yUm - nuc.aUm - y0) / pixelUm) - 1);
      const j1 = Math.min(TILE_PX - 1, Math.ceil((nuc.yUm + nuc.aUm - y0) / pixelUm) + 1);
      for (let j = j0; j <= j1; j++) {
        const dy = y0 + (j + 0.5) * pixelUm - nuc.yUm;
        for (let i = i0; i <= i1; i++) {
          const dx = x0 + (i + 0.5) * pixelUm - nuc.xUm;
          const u = (dx * nuc.cos + dy * nuc.sin) / nuc.aUm;
          const v = (-dx * nuc.sin + dy * nuc.cos) / nuc.bUm;
          const r = Math.sqrt(u * u + v * v);
          // Soft edge about half a micrometre wide, whatever the pixel size.
          const edge = (1 - r) * nuc.aUm * 2;
          if (edge <= -1) continue;
          const inside = edge >= 1 ? 1 : (edge + 1) / 2;
          const chromatin = 0.75 + 0.5 * valueNoise(x0 + (i + 0.5) * pixelUm, y0 + (j + 0.5) * pixelUm, 0.7, seed + 5);
          const k = j * TILE_PX + i;
          h[k] += inside * nuc.density * chromatin;
          e[k] *= 1 - 0.6 * inside;
        }
      }
    }
  }
  const out = new Uint16Array(n * 3);
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 3; c++) out[k * 3 + c] = Math.round(65535 * 0.96 * Math.exp(-(h[k] * HAEMATOXYLIN[c] + e[k] * EOSIN[c])));
  }
  return out;
}

/** The slide with its tile cache (least recently used tiles are dropped beyond `maxTiles`). */
export class VirtualSlide {
  private readonly cache = new Map<string, Uint16Array>();
  readonly seed: number;
  private readonly maxTiles: number;

  constructor(seed: number, maxTiles = 192) {
    this.seed = seed;
    this.maxTiles = maxTiles;
  }

  tile(level: number, tx: number, ty: number): Uint16Array {
    const key = `${level}/${tx}/${ty}`;
    let tile = this.cache.get(key);
    if (tile) {
      this.cache.delete(key);
    } else {
      tile = renderTile(tx, ty, BASE_PIXEL_UM * 2 ** level, this.seed);
      if (this.cache.size >= this.maxTiles) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(key, tile);
    return tile;
  }

  /**
   * RGB transmittance (0..1) sampled bilinearly on a `widthPx`×`heightPx` grid of pitch `pixelUm` whose centre
   * is at (`xUm`, `yUm`); three interleaved float32 samples per pixel.
   */
  sample(xUm: number, yUm: number, pixelUm: number, widthPx: number, heightPx: number): Float32Array {
    const level = Math.max(0, Math.floor(Math.log2(pixelUm / BASE_PIXEL_UM) + 1e-9));
    const levelUm = BASE_PIXEL_UM * 2 ** level;
    const scale = pixelUm / levelUm;
    // Level-pixel coordinates of the output's first sample centre.
    const u0 = (xUm - (widthPx / 2) * pixelUm) / levelUm + scale / 2 - 0.5;
    const v0 = (yUm - (heightPx / 2) * pixelUm) / levelUm + scale / 2 - 0.5;
    const uMin = Math.floor(u0);
    const vMin = Math.floor(v0);
    const regionW = Math.ceil(u0 + scale * widthPx) - uMin + 2;
    const regionH = Math.ceil(v0 + scale * heightPx) - vMin + 2;
    // Copy the tiles under the field into one contiguous region, then resample from it.
    const region = new Uint16Array(regionW * regionH * 3);
    const tx0 = Math.floor(uMin / TILE_PX);
    const tx1 = Math.floor((uMin + regionW - 1) / TILE_PX);
    const ty0 = Math.floor(vMin / TILE_PX);
    const ty1 = Math.floor((vMin + regionH - 1) / TILE_PX);
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        const tile = this.tile(level, tx, ty);
        const ua = Math.max(uMin, tx * TILE_PX);
        const ub = Math.min(uMin + regionW, (tx + 1) * TILE_PX);
        const va = Math.max(vMin, ty * TILE_PX);
        const vb = Math.min(vMin + regionH, (ty + 1) * TILE_PX);
        for (let v = va; v < vb; v++) {
          const src = ((v - ty * TILE_PX) * TILE_PX + (ua - tx * TILE_PX)) * 3;
          region.set(tile.subarray(src, src + (ub - ua) * 3), ((v - vMin) * regionW + (ua - uMin)) * 3);
        }
      }
    }
    const out = new Float32Array(widthPx * heightPx * 3);
    const inv = 1 / 65535;
    const ui = new Int32Array(widthPx);
    const uf = new Float32Array(widthPx);
    for (let x = 0; x < widthPx; x++) {
      const u = u0 + x * scale - uMin;
      ui[x] = Math.floor(u);
      uf[x] = u - ui[x];
    }
    for (let y = 0; y < heightPx; y++) {
      const v = v0 + y * scale - vMin;
      const vi = Math.floor(v);
      const vf = v - vi;
      const row0 = vi * regionW;
      const row1 = row0 + regionW;
      let o = y * widthPx * 3;
      for (let x = 0; x < widthPx; x++) {
        const a = (row0 + ui[x]) * 3;
        const b = (row1 + ui[x]) * 3;
        const f = uf[x];
        for (let c = 0; c < 3; c++) {
          const top = region[a + c] + (region[a + 3 + c] - region[a + c]) * f;
          const bottom = region[b + c] + (region[b + 3 + c] - region[b + c]) * f;
          out[o++] = (top + (bottom - top) * vf) * inv;
        }
      }
    }
    return out;
  }
}
