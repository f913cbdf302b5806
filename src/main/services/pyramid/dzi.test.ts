import { describe, expect, it } from 'vitest';
import { dziXml, isTileInRange, levelCount, levelFittingViewport, levelSize, maxLevel, tileGrid, tileRect } from './dzi';

describe('deep zoom tile maths', () => {
  it('has ceil(log2(max side)) + 1 levels, exactly at powers of two', () => {
    expect(levelCount(1, 1)).toBe(1);
    expect(levelCount(2, 1)).toBe(2);
    expect(levelCount(1024, 10)).toBe(11);
    expect(levelCount(1025, 10)).toBe(12);
    expect(levelCount(10000, 10000)).toBe(15);
    for (const side of [3, 255, 256, 257, 4097, 65536, 70001]) {
      expect(levelCount(side, 1)).toBe(Math.ceil(Math.log2(side)) + 1);
    }
  });

  it('halves each level rounding up, ending at one pixel', () => {
    expect(levelSize(10000, 7000, maxLevel(10000, 7000))).toEqual({ width: 10000, height: 7000 });
    expect(levelSize(10000, 7000, 13)).toEqual({ width: 5000, height: 3500 });
    expect(levelSize(10001, 7001, 13)).toEqual({ width: 5001, height: 3501 });
    expect(levelSize(10000, 7000, 0)).toEqual({ width: 1, height: 1 });
  });

  it('gives inner tiles 254 + 2 px and edge tiles one overlap only', () => {
    const level = { width: 600, height: 300 };
    expect(tileGrid(level)).toEqual({ cols: 3, rows: 2 });
    expect(tileRect(level, 0, 0)).toEqual({ left: 0, top: 0, width: 255, height: 255 });
    expect(tileRect(level, 1, 0)).toEqual({ left: 253, top: 0, width: 256, height: 255 });
    expect(tileRect(level, 2, 1)).toEqual({ left: 507, top: 253, width: 93, height: 47 });
    expect(tileRect({ width: 100, height: 80 }, 0, 0)).toEqual({ left: 0, top: 0, width: 100, height: 80 });
  });

  it('knows which tiles exist', () => {
    expect(isTileInRange(600, 300, 10, 2, 1)).toBe(true);
    expect(isTileInRange(600, 300, 10, 3, 0)).toBe(false);
    expect(isTileInRange(600, 300, 11, 0, 0)).toBe(false);
    expect(isTileInRange(600, 300, -1, 0, 0)).toBe(false);
    expect(isTileInRange(600, 300, 1.5, 0, 0)).toBe(false);
  });

  it('writes a DZI descriptor OpenSeadragon reads', () => {
    const xml = dziXml(10000, 7000, 'jpeg');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('xmlns="http://schemas.microsoft.com/deepzoom/2008"');
    expect(xml).toMatch(/Format="jpeg" Overlap="1" TileSize="254"/);
    expect(xml).toMatch(/<Size Width="10000" Height="7000"\/>/);
  });

  it('picks the level a 1280×800 viewport needs for a whole-image view', () => {
    // 10000² shown 800 px tall: the 1250 px level is the first with enough pixels.
    expect(levelSize(10000, 10000, levelFittingViewport(10000, 10000, { width: 1280, height: 800 }))).toEqual({ width: 1250, height: 1250 });
    expect(levelFittingViewport(500, 400, { width: 1280, height: 800 })).toBe(maxLevel(500, 400));
  });
});
