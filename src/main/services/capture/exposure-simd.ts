/**
 * The simulated camera's per-frame sensor noise (simulated.ts, `addNoise16`) as a WebAssembly SIMD loop: eight
 * samples per step instead of one, for the same integer arithmetic, so frames are identical to the JavaScript
 * loop's bit for bit (tested). The module is a few dozen instructions, assembled here byte by byte — no toolchain,
 * no binary file in the repository. Where WebAssembly SIMD is missing, `createSimdExposure` answers null and the
 * JavaScript loop runs.
 *
 * Per sample, as in simulated.ts: packed = mean | σ << 16 (fixed point), n = Int8 normal,
 *   counts = clamp(((packed & 0xffff) + (((packed >>> 16) · n) >> 8)) >> fraction, 0, maxCount).
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Instructions.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32Const = (v: number) => [0x41, ...sleb(v)];
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
/** memarg: alignment hint 0 (unaligned is fine), byte offset. */
const mem = (offset: number) => [0x00, ...uleb(offset)];
const OP = {
  v128Load: 0x00,
  v128Load8x8S: 0x01,
  v128Store: 0x0b,
  i32x4Splat: 0x11,
  v128And: 0x4e,
  i16x8NarrowI32x4U: 0x86,
  i32x4ExtendLowI16x8S: 0xa7,
  i32x4ExtendHighI16x8S: 0xa8,
  i32x4ShrS: 0xac,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
  i32x4Mul: 0xb5,
  i32x4MinS: 0xb6,
  i32x4MaxS: 0xb8,
} as const;

/** noise16(out, packed, noise, count, fraction, maxCount): count samples (a multiple of 8), byte pointers. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const [OUT, PACKED, NOISE, COUNT, FRACTION, MAX] = [0, 1, 2, 3, 4, 5];
  const [MASK, ZERO, MAXV, N16, P, C0, C1] = [6, 7, 8, 9, 10, 11, 12];
  // Four samples of one half: mean + ((σ·n) >> 8), >> fraction, clamped; `extend` picks the noise half.
  const half = (offset: number, extend: number, into: number) => [
    ...get(PACKED), ...simd(OP.v128Load, ...mem(offset)), ...set(P),
    ...get(P), ...get(MASK), ...simd(OP.v128And),
    ...get(P), ...i32Const(16), ...simd(OP.i32x4ShrU),
    ...get(N16), ...simd(extend),
    ...simd(OP.i32x4Mul), ...i32Const(8), ...simd(OP.i32x4ShrS),
    ...simd(OP.i32x4Add),
    ...get(FRACTION), ...simd(OP.i32x4ShrS),
    ...get(ZERO), ...simd(OP.i32x4MaxS),
    ...get(MAXV), ...simd(OP.i32x4MinS),
    ...set(into),
  ];
  const advance = (local: number, by: number) => [...get(local), ...i32Const(by), 0x6a, ...set(local)];
  const body = [
    ...vec([[7, V128]]),
    ...i32Const(0xffff), ...simd(OP.i32x4Splat), ...set(MASK),
    ...i32Const(0), ...simd(OP.i32x4Splat), ...set(ZERO),
    ...get(MAX), ...simd(OP.i32x4Splat), ...set(MAXV),
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...get(COUNT), 0x45, 0x0d, 0x01, // br_if 1 when count == 0
    ...get(NOISE), ...simd(OP.v128Load8x8S, ...mem(0)), ...set(N16),
    ...half(0, OP.i32x4ExtendLowI16x8S, C0),
    ...half(16, OP.i32x4ExtendHighI16x8S, C1),
    ...get(OUT), ...get(C0), ...get(C1), ...simd(OP.i16x8NarrowI32x4U), ...simd(OP.v128Store, ...mem(0)),
    ...advance(OUT, 16),
    ...advance(PACKED, 32),
    ...advance(NOISE, 8),
    ...advance(COUNT, -8),
    0x0c, 0x00, // br 0
    0x0b, // end loop
    0x0b, // end block
    0x0b, // end function
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    ...section(3, vec([[0x00]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([[...name('noise16'), 0x00, 0x00], [...name('memory'), 0x02, 0x00]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

export interface SimdExposure {
  /** Copies the noise table (once per camera). */
  setNoise(noise: Int8Array): void;
  /** Copies a field's packed mean/σ (once per field and settings); later frames reuse it. */
  setPacked(packed: Uint32Array): void;
  /** The packed array last copied in (to know when to copy again). */
  readonly packedSource: Uint32Array | null;
  /**
   * One 16-bit frame: row r reads the noise table from `rowOffset()` (called once per row, in order, as the
   * JavaScript loop does). `rowLength` must be a multiple of 8.
   */
  expose16(rowLength: number, maxCount: number, fraction: number, rowOffset: () => number): Uint16Array;
}

let compiled: WebAssembly.Module | null | undefined;

/** A SIMD exposure with its own memory, or null where WebAssembly SIMD is not available. */
export function createSimdExposure(): SimdExposure | null {
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  if (!compiled) return null;
  const instance = new WebAssembly.Instance(compiled, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const noise16 = instance.exports.noise16 as (out: number, packed: number, noise: number, count: number, fraction: number, max: number) => void;
  const align = (n: number) => (n + 15) & ~15;
  let noiseBytes = 0;
  let samples = 0;
  let packedSource: Uint32Array | null = null;
  const ensure = (bytes: number) => {
    const missing = bytes - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  };
  // Layout: [noise table | packed (4 bytes per sample) | frame (2 bytes per sample)].
  const packedAt = () => align(noiseBytes);
  const outAt = () => packedAt() + samples * 4;
  return {
    get packedSource() {
      return packedSource;
    },
    setNoise(noise) {
      noiseBytes = noise.length;
      ensure(align(noiseBytes));
      new Int8Array(memory.buffer, 0, noise.length).set(noise);
      packedSource = null;
    },
    setPacked(packed) {
      samples = packed.length;
      ensure(outAt() + samples * 2);
      new Uint32Array(memory.buffer, packedAt(), samples).set(packed);
      packedSource = packed;
    },
    expose16(rowLength, maxCount, fraction, rowOffset) {
      if (rowLength % 8 !== 0) throw new Error('rowLength must be a multiple of 8');
      const packedBase = packedAt();
      const outBase = outAt();
      for (let start = 0; start < samples; start += rowLength) {
        const count = Math.min(rowLength, samples - start);
        noise16(outBase + start * 2, packedBase + start * 4, rowOffset(), count, fraction, maxCount);
      }
      return new Uint16Array(memory.buffer, outBase, samples).slice();
    },
  };
}
