import { describe, expect, it } from 'vitest';
import type { Capture, ViewerLayer } from '../../../../shared/contract';
import { badgeOf, defaultPaneLayers, frameOf, panesFor, pixelSizeInFrame, tileSourceOf, widthUmOf } from './layers';

const provenance = { modelId: 'bf-sr2', modelVersion: '1.0.0', weightsSha256: 'a'.repeat(64), executionProvider: 'cuda', tileSize: 256, tileHalo: 16, durationMs: 10 };
const layer = (over: Partial<ViewerLayer>): ViewerLayer => ({
  key: 'raw',
  role: 'raw',
  derivativeId: null,
  label: 'Raw capture',
  widthPx: 1000,
  heightPx: 800,
  pixelSizeUm: 0.5,
  valueUnit: 'counts',
  provenance: null,
  differenceOf: null,
  ...over,
});
const raw = layer({});
const interp = layer({ key: 'd1', role: 'interpolated', derivativeId: 1, label: 'Bicubic ×2 of raw', widthPx: 2000, heightPx: 1600, pixelSizeUm: 0.25 });
const enhanced = layer({ key: 'd2', role: 'enhanced', derivativeId: 2, label: 'Enhanced', widthPx: 2000, heightPx: 1600, pixelSizeUm: 0.25, provenance });
const bare = layer({ key: 'd3', role: 'enhanced', derivativeId: 3, label: 'Enhanced (no provenance)', widthPx: 2000, heightPx: 1600, pixelSizeUm: 0.25 });
const diff = layer({ key: 'd4', role: 'difference', derivativeId: 4, widthPx: 2000, heightPx: 1600, pixelSizeUm: 0.25, provenance, differenceOf: { enhancedId: 2, interpolatedId: 1 } });

describe('viewer layers', () => {
  it('puts every layer in one micrometre frame, or in raw pixels when the pixel size is unknown', () => {
    const known = frameOf({ width: 1000, pixelSizeUm: 0.5 } as Capture);
    expect(known).toEqual({ captureWidthUm: 500, unitKnown: true, unit: 'µm' });
    expect(widthUmOf(interp, known)).toBe(500);
    expect(pixelSizeInFrame(interp, known)).toBe(0.25);
    const unknown = frameOf({ width: 1000, pixelSizeUm: null } as Capture);
    expect(unknown.unit).toBe('px');
    expect(widthUmOf(interp, unknown)).toBe(1000);
    expect(pixelSizeInFrame(interp, unknown)).toBe(0.5);
  });

  it('compares raw with an enhanced result first, never with one lacking provenance', () => {
    expect(defaultPaneLayers([raw, interp, bare])).toEqual(['raw', 'd1']);
    expect(defaultPaneLayers([raw, interp, enhanced])).toEqual(['raw', 'd2']);
    expect(defaultPaneLayers([raw])).toEqual(['raw']);
  });

  it('lays out the compare modes', () => {
    const all = [raw, interp, enhanced, diff];
    expect(panesFor('side-by-side', ['raw', 'd2', 'd1'], all).panes).toEqual([['raw'], ['d2'], ['d1']]);
    expect(panesFor('curtain', ['raw', 'd2'], all).panes).toEqual([['raw', 'd2']]);
    expect(panesFor('blink', ['raw'], all).panes).toEqual([['raw', 'd2']]);
    expect(panesFor('curtain', ['raw'], [raw])).toEqual({ panes: [['raw']], missing: 'two-images' });
    expect(panesFor('difference', ['raw'], all).panes).toEqual([['d2'], ['d4']]);
    expect(panesFor('difference', ['raw'], [raw, interp, enhanced]).missing).toBe('difference');
    expect(panesFor('difference', ['raw'], [raw, interp]).missing).toBe('enhanced');
    // Keys that no longer exist (a deleted derivative) fall back to the defaults.
    expect(panesFor('side-by-side', ['d99'], all).panes).toEqual([['raw'], ['d2']]);
    expect(panesFor('side-by-side', ['raw', 'd3'], [raw, interp, bare]).panes).toEqual([['raw']]);
  });

  it('says where every pane’s pixels came from', () => {
    expect(badgeOf(interp).text).toBe('Bicubic ×2 of raw — not a network output');
    expect(badgeOf(enhanced).text).toBe('Enhanced by bf-sr2 v1.0.0 · cuda');
    expect(badgeOf(diff).text).toContain('bf-sr2 v1.0.0');
    expect(badgeOf(raw).text).toBe('Raw capture');
  });

  it('describes a pyramid inline for OpenSeadragon', () => {
    const source = tileSourceOf({ dziUrl: '/library/tiles/a/b/image.dzi', width: 10, height: 20, tileSize: 254, overlap: 1, format: 'png', levels: 5, sampleFormat: 'uchar', bands: 1, display: null });
    expect(source).toEqual({
      Image: { xmlns: 'http://schemas.microsoft.com/deepzoom/2008', Url: '/library/tiles/a/b/image_files/', Format: 'png', Overlap: '1', TileSize: '254', Size: { Width: '10', Height: '20' } },
    });
  });
});
