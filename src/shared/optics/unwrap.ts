/**
 * 2-D phase unwrapping by reliability sorting along a non-continuous path
 * (Herraez, Burton, Lalor & Gdeisat, Appl. Opt. 41, 7437, 2002).
 *
 * Reliability of a pixel is the inverse of D = sqrt(H^2 + V^2 + D1^2 + D2^2), the wrapped second
 * differences in the horizontal, vertical and both diagonal directions. Edges between 4-neighbours
 * are processed from the most reliable (smallest D_a + D_b) to the least; each edge joins two groups
 * of already-unwrapped pixels, shifting one group by the 2 pi multiple that makes the edge's phase
 * step lie in [-pi, pi]. Groups are kept in a union-find structure whose links store relative
 * 2 pi multiples, so merging costs near-constant time. Edges are sorted with a counting sort over
 * quantised reliabilities (linear time).
 */

const TWO_PI = 2 * Math.PI;

function wrap(a: number): number {
  return a - TWO_PI * Math.round(a / TWO_PI);
}

export interface UnwrapOptions {
  /** pixels with mask value 0 are ignored (left as the wrapped input) */
  mask?: Uint8Array;
}

/** Per-pixel unreliability D (larger = less reliable). Border pixels get the maximum 4 pi + 1. */
export function phaseUnreliability(wrapped: ArrayLike<number>, width: number, height: number): Float64Array {
  const d = new Float64Array(width * height);
  const border = 4 * Math.PI + 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
        d[i] = border;
        continue;
      }
      const p = wrapped[i];
      const h = wrap(wrapped[i - 1] - p) - wrap(p - wrapped[i + 1]);
      const v = wrap(wrapped[i - width] - p) - wrap(p - wrapped[i + width]);
      const d1 = wrap(wrapped[i - width - 1] - p) - wrap(p - wrapped[i + width + 1]);
      const d2 = wrap(wrapped[i - width + 1] - p) - wrap(p - wrapped[i + width - 1]);
      d[i] = Math.sqrt(h * h + v * v + d1 * d1 + d2 * d2);
    }
  }
  return d;
}

/** Unwrap a wrapped phase map (radians, row-major). Returns a new Float64Array. */
export function unwrapPhase(
  wrapped: ArrayLike<number>,
  width: number,
  height: number,
  opts: UnwrapOptions = {},
): Float64Array {
  const n = width * height;
  if (wrapped.length !== n) throw new Error('unwrapPhase: size mismatch');
  const mask = opts.mask;
  if (mask && mask.length !== n) throw new Error('unwrapPhase: mask size mismatch');
  const D = phaseUnreliability(wrapped, width, height);

  // edges: index e < n is horizontal (i, i+1), e >= n is vertical (i, i+width), i = e mod n
  const BINS = 65536;
  const maxKey = 2 * (4 * Math.PI + 1);
  const scale = (BINS - 1) / maxKey;
  const binOf = new Int32Array(2 * n).fill(-1);
  const counts = new Uint32Array(BINS + 1);
  let edgeCount = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask && !mask[i]) continue;
      if (x + 1 < width && (!mask || mask[i + 1])) {
        const b = Math.min(BINS - 1, Math.floor((D[i] + D[i + 1]) * scale));
        binOf[i] = b;
        counts[b + 1]++;
        edgeCount++;
      }
      if (y + 1 < height && (!mask || mask[i + width])) {
        const b = Math.min(BINS - 1, Math.floor((D[i] + D[i + width]) * scale));
        binOf[n + i] = b;
        counts[b + 1]++;
        edgeCount++;
      }
    }
  }
  for (let b = 0; b < BINS; b++) counts[b + 1] += counts[b];
  const order = new Uint32Array(edgeCount);
  for (let e = 0; e < 2 * n; e++) {
    const b = binOf[e];
    if (b >= 0) order[counts[b]++] = e;
  }

  // union-find with relative 2 pi multiples: k(x) = k(parent(x)) + offset(x)
  const parent = new Int32Array(n);
  const offset = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) parent[i] = i;
  let acc = 0; // k(x) - k(root) of the last find
  const find = (x: number): number => {
    let r = x;
    let s = 0;
    while (parent[r] !== r) {
      s += offset[r];
      r = parent[r];
    }
    // path compression, keeping offsets relative to the root
    let cur = x;
    let rem = s;
    while (parent[cur] !== cur) {
      const next = parent[cur];
      const o = offset[cur];
      parent[cur] = r;
      offset[cur] = rem;
      rem -= o;
      cur = next;
    }
    acc = s;
    return r;
  };

  for (let j = 0; j < edgeCount; j++) {
    const e = order[j];
    const a = e < n ? e : e - n;
    const b = e < n ? a + 1 : a + width;
    const ra = find(a);
    const ka = acc;
    const rb = find(b);
    const kb = acc;
    if (ra === rb) continue;
    // required k(b) - k(a) so that the unwrapped step b - a lies in [-pi, pi]
    const d = Math.round((wrapped[a] - wrapped[b]) / TWO_PI);
    const rel = d - kb + ka; // k(rb) - k(ra)
    if (size[ra] >= size[rb]) {
      parent[rb] = ra;
      offset[rb] = rel;
      size[ra] += size[rb];
    } else {
      parent[ra] = rb;
      offset[ra] = -rel;
      size[rb] += size[ra];
    }
  }

  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) {
      out[i] = wrapped[i];
      continue;
    }
    find(i);
    out[i] = wrapped[i] + TWO_PI * acc;
  }
  return out;
}
