import { describe, expect, it } from 'vitest';
import { ValueStatsAccumulator, boxDownsample, colormapTable, mapToDisplay, resolveDisplay } from './display';

describe('display mapping', () => {
  it('maps a 16-bit window linearly to 0…255 and clamps outside it', () => {
    const settings = resolveDisplay({ window: [1000, 2000] }, 'ushort', null);
    const out = mapToDisplay(Uint16Array.from([0, 1000, 1500, 2000, 65535]), 'ushort', 1, 5, settings);
    expect(Array.from(out)).toEqual([0, 0, 128, 255, 255]);
  });

  it('applies gamma as t^gamma', () => {
    const settings = resolveDisplay({ window: [0, 100], gamma: 2 }, 'float', null);
    const out = mapToDisplay(Float32Array.from([50]), 'float', 1, 1, settings);
    expect(out[0]).toBe(Math.round(0.25 * 255));
  });

  it('gives −π and +π the same cyclic colour, and 0 a different one', () => {
    const settings = resolveDisplay({ colormap: 'cyclic' }, 'float', null);
    expect(settings.window).toEqual([-Math.PI, Math.PI]);
    const out = mapToDisplay(Float32Array.from([-Math.PI, Math.PI, 0, 3 * Math.PI]), 'float', 1, 4, settings);
    const rgb = (i: number) => Array.from(out.subarray(i * 3, i * 3 + 3));
    expect(rgb(0)).toEqual(rgb(1));
    expect(rgb(2)).not.toEqual(rgb(0));
    // Wrapped: 3π is the same angle as π.
    expect(rgb(3)).toEqual(rgb(1));
  });

  it('centres the diverging map on zero with a neutral colour there', () => {
    const settings = resolveDisplay({ colormap: 'diverging' }, 'float', { p001: -0.5, p999: 2 });
    expect(settings.window).toEqual([-2, 2]);
    const out = mapToDisplay(Float32Array.from([0, -2, 2]), 'float', 1, 3, settings);
    const [r, g, b] = Array.from(out.subarray(0, 3));
    expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThan(8);
    expect(out[3 + 2]).toBeGreaterThan(out[3]); // blue end
    expect(out[6]).toBeGreaterThan(out[6 + 2]); // red end
  });

  it('shows 8-bit images as stored by default', () => {
    const settings = resolveDisplay(undefined, 'uchar', null);
    const rgb = Uint8Array.from([1, 2, 3, 250, 251, 252]);
    expect(Array.from(mapToDisplay(rgb, 'uchar', 3, 2, settings))).toEqual([1, 2, 3, 250, 251, 252]);
    // RGBA keeps RGB.
    expect(Array.from(mapToDisplay(Uint8Array.from([9, 8, 7, 255]), 'uchar', 4, 1, settings))).toEqual([9, 8, 7]);
  });

  it('publishes the tables the tiles are drawn with', () => {
    const grey = colormapTable('grey');
    expect(grey.length).toBe(768);
    expect(Array.from(grey.subarray(3 * 200, 3 * 200 + 3))).toEqual([200, 200, 200]);
    const settings = resolveDisplay({ colormap: 'diverging', window: [0, 255] }, 'float', null);
    const tile = mapToDisplay(Float32Array.from([37]), 'float', 1, 1, settings);
    expect(Array.from(tile)).toEqual(Array.from(colormapTable('diverging').subarray(37 * 3, 37 * 3 + 3)));
  });

  it('box-averages blocks, partial ones at the edges included', () => {
    const pixels = Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80]); // 3×3 grey
    const down = boxDownsample(pixels, 3, 3, 1, 2);
    expect(down.width).toBe(2);
    expect(down.height).toBe(2);
    expect(Array.from(down.pixels)).toEqual([20, 35, 65, 80]);
  });

  it('finds exact percentiles of 16-bit counts', () => {
    const values = new Uint16Array(10_000);
    for (let i = 0; i < values.length; i++) values[i] = 1000 + (i % 2001);
    values[0] = 0;
    values[1] = 65535;
    const acc = new ValueStatsAccumulator('ushort');
    acc.add(values, 1, 1);
    const stats = acc.result();
    expect(stats?.p001).toBeGreaterThanOrEqual(1000);
    expect(stats?.p001).toBeLessThan(1010);
    expect(stats?.p999).toBeGreaterThan(2990);
    expect(stats?.p999).toBeLessThanOrEqual(3000);
  });
});
