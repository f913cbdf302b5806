import { describe, expect, it } from 'vitest';
import { distanceUm, followView, formatLengthUm, layerWidthUm, niceScaleBar, umToView, viewToUm } from './viewport';

describe('locking panes in micrometres', () => {
  // A 1000 px raw capture at 0.5 µm/px and its 2× result (2000 px at 0.25 µm/px): both 500 µm wide.
  const raw = { refWidthUm: layerWidthUm(1000, 0.5, 500), containerWidthPx: 600 };
  const twice = { refWidthUm: layerWidthUm(2000, 0.25, 500), containerWidthPx: 600 };

  it('maps the same specimen point to the same viewport point for images of one physical width', () => {
    const leader = { centerX: 0.3, centerY: 0.2, zoom: 4, ...raw };
    const f = followView(leader, twice);
    expect(f.centerX).toBeCloseTo(0.3, 12);
    expect(f.centerY).toBeCloseTo(0.2, 12);
    expect(f.zoom).toBeCloseTo(4, 12);
  });

  it('converts through micrometres when the reference widths differ (a crop, or unknown pixel size)', () => {
    const wide = { refWidthUm: 800, containerWidthPx: 600 };
    const leader = { centerX: 0.5, centerY: 0.25, zoom: 2, ...raw };
    const um = viewToUm(leader);
    expect(um).toEqual({ xUm: 250, yUm: 125, umPerScreenPx: 500 / (2 * 600) });
    const f = followView(leader, wide);
    expect(f.centerX * 800).toBeCloseTo(250, 9);
    expect(f.centerY * 800).toBeCloseTo(125, 9);
    // Same µm per screen pixel: 800 µm / (zoom × 600 px) = 500 / 1200.
    expect(800 / (f.zoom * 600)).toBeCloseTo(500 / 1200, 12);
  });

  it('keeps µm per screen pixel when the containers have different widths', () => {
    const narrow = { refWidthUm: 500, containerWidthPx: 300 };
    const f = followView({ centerX: 0.5, centerY: 0.5, zoom: 1, ...raw }, narrow);
    expect(f.zoom).toBeCloseTo(2, 12);
  });

  it('round-trips leader → follower → leader without drift (no ping-pong can grow an error)', () => {
    let v = { centerX: 0.123456, centerY: 0.654321, zoom: 37.5, ...raw };
    for (let i = 0; i < 1000; i++) {
      const f = { ...followView(v, twice), ...twice };
      v = { ...followView(f, raw), ...raw };
    }
    expect(v.centerX).toBeCloseTo(0.123456, 9);
    expect(v.centerY).toBeCloseTo(0.654321, 9);
    expect(v.zoom).toBeCloseTo(37.5, 7);
  });

  it('umToView inverts viewToUm', () => {
    const v = { centerX: -0.1, centerY: 1.4, zoom: 0.3, ...twice };
    const back = umToView(viewToUm(v), twice);
    expect(back.centerX).toBeCloseTo(v.centerX, 12);
    expect(back.centerY).toBeCloseTo(v.centerY, 12);
    expect(back.zoom).toBeCloseTo(v.zoom, 12);
  });

  it('refuses degenerate panes instead of producing NaN', () => {
    expect(() => viewToUm({ centerX: 0, centerY: 0, zoom: 0, ...raw })).toThrow(RangeError);
    expect(() => umToView({ xUm: 0, yUm: 0, umPerScreenPx: 1 }, { refWidthUm: 0, containerWidthPx: 10 })).toThrow(RangeError);
  });

  it('uses the capture width when a layer has no pixel size', () => {
    expect(layerWidthUm(2000, null, 500)).toBe(500);
    expect(layerWidthUm(2000, 0.25, 999)).toBe(500);
  });
});

describe('scale bar', () => {
  it('picks 1, 2 or 5 × 10ⁿ that fits', () => {
    expect(niceScaleBar(1, 120).lengthUm).toBe(100);
    expect(niceScaleBar(1, 99).lengthUm).toBe(50);
    expect(niceScaleBar(0.5, 120).lengthUm).toBe(50);
    expect(niceScaleBar(0.01, 150).lengthUm).toBe(1);
    expect(niceScaleBar(0.003, 150).lengthUm).toBe(0.2);
    expect(niceScaleBar(30, 120).lengthUm).toBe(2000);
  });

  it('never exceeds the space and is at least 40 % of it', () => {
    for (let scale = 0.0007; scale < 500; scale *= 1.37) {
      const bar = niceScaleBar(scale, 150);
      expect(bar.lengthPx).toBeLessThanOrEqual(150 + 1e-6);
      expect(bar.lengthPx).toBeGreaterThanOrEqual(150 * 0.4 - 1e-6);
    }
  });

  it('labels in nm, µm or mm', () => {
    expect(niceScaleBar(0.003, 150).label).toBe('200 nm');
    expect(niceScaleBar(1, 120).label).toBe('100 µm');
    expect(niceScaleBar(30, 120).label).toBe('2 mm');
    expect(formatLengthUm(12.3456)).toBe('12.3 µm');
  });

  it('measures distances in µm', () => {
    expect(distanceUm({ xUm: 0, yUm: 0 }, { xUm: 3, yUm: 4 })).toBe(5);
  });
});
