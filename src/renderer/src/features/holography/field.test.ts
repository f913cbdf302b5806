import { describe, expect, it } from 'vitest';
import { fieldFrom, focusCurvePoints, parseFloatTiff, renderPlane } from './field';

/** The layout the service writes (src/main/services/viewer/float-tiff.ts), built here independently. */
function tiff(width: number, height: number, values: number[]): ArrayBuffer {
  const tags: Array<[number, 3 | 4, number]> = [[256, 4, width], [257, 4, height], [258, 3, 32], [259, 3, 1], [262, 3, 1], [273, 4, 0], [277, 3, 1], [278, 4, height], [279, 4, width * height * 4], [339, 3, 3]];
  const dataOffset = Math.ceil((8 + 2 + tags.length * 12 + 4) / 4) * 4;
  const buffer = new ArrayBuffer(dataOffset + values.length * 4);
  const view = new DataView(buffer);
  view.setUint16(0, 0x4949, false);
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  view.setUint16(8, tags.length, true);
  tags.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, 1, true);
    if (type === 3) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, tag === 273 ? dataOffset : value, true);
  });
  new Float32Array(buffer, dataOffset, values.length).set(values);
  return buffer;
}

describe('holography panel field helpers', () => {
  it('read back the float32 TIFF the service writes', () => {
    const img = parseFloatTiff(tiff(3, 2, [0, 1, 2, 3, 4, -Math.PI]));
    expect(img).toMatchObject({ widthPx: 3, heightPx: 2 });
    expect(Array.from(img.data)).toEqual(Array.from(Float32Array.from([0, 1, 2, 3, 4, -Math.PI])));
    expect(() => parseFloatTiff(new ArrayBuffer(8))).toThrow(/TIFF/);
  });

  it('shrink a complex field by box averaging and keep a uniform field uniform', () => {
    const amp = { widthPx: 4, heightPx: 4, data: new Float32Array(16).fill(2) };
    const phase = { widthPx: 4, heightPx: 4, data: new Float32Array(16).fill(0.5) };
    const { field, factor } = fieldFrom(amp, phase, 2);
    expect(factor).toBe(2);
    expect(field.width).toBe(2);
    expect(Math.hypot(field.re[0], field.im[0])).toBeCloseTo(2, 6);
    expect(Math.atan2(field.im[3], field.re[3])).toBeCloseTo(0.5, 6);
  });

  it('draw a focus curve inside its box with the best z findable', () => {
    const { points, x } = focusCurvePoints([{ zUm: 100, score: 1 }, { zUm: 200, score: 3 }, { zUm: 300, score: 2 }], 100, 50, 5);
    expect(points.split(' ')).toEqual(['5.0,45.0', '50.0,5.0', '95.0,25.0']);
    expect(x(200)).toBe(50);
  });

  it('colour phase cyclically: −π and π look the same', () => {
    const rgba = renderPlane(Float32Array.from([-Math.PI, Math.PI]), 'phase');
    expect(Array.from(rgba.slice(0, 4))).toEqual(Array.from(rgba.slice(4, 8)));
  });
});
