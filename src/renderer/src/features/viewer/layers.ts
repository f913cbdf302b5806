/** Pure helpers over a capture's viewer layers: physical sizes, default panes, badges. */
import type { Capture, PyramidInfo, ViewerLayer } from '../../../../shared/contract';
import { layerWidthUm } from '../../../../shared/viewport';
import type { CompareMode } from '../../store/viewer';

/** The specimen frame: micrometres when the pixel size is known, else raw capture pixels (said so on screen). */
export interface Frame {
  captureWidthUm: number;
  unitKnown: boolean;
  unit: 'µm' | 'px';
}

export function frameOf(capture: Capture): Frame {
  const known = capture.pixelSizeUm != null && capture.pixelSizeUm > 0;
  return { captureWidthUm: capture.width * (known ? (capture.pixelSizeUm as number) : 1), unitKnown: known, unit: known ? 'µm' : 'px' };
}

export function widthUmOf(layer: ViewerLayer, frame: Frame): number {
  return frame.unitKnown ? layerWidthUm(layer.widthPx, layer.pixelSizeUm, frame.captureWidthUm) : frame.captureWidthUm;
}

/** µm per pixel of a layer in the frame. */
export function pixelSizeInFrame(layer: ViewerLayer, frame: Frame): number {
  return widthUmOf(layer, frame) / layer.widthPx;
}

/** The OSD inline DZI description of a pyramid: no request for the .dzi before the first tile. */
export function tileSourceOf(info: PyramidInfo): object {
  return {
    Image: {
      xmlns: 'http://schemas.microsoft.com/deepzoom/2008',
      Url: info.dziUrl.replace(/\.dzi$/, '_files/'),
      Format: info.format,
      Overlap: String(info.overlap),
      TileSize: String(info.tileSize),
      Size: { Width: String(info.width), Height: String(info.height) },
    },
  };
}

/** Layers a person may look at: an enhanced result without provenance is never shown. */
export function showable(layers: readonly ViewerLayer[]): ViewerLayer[] {
  return layers.filter((l) => !(l.role === 'enhanced' && !l.provenance));
}

/** The image to compare the raw capture against, best first. */
export function comparisonLayer(layers: readonly ViewerLayer[]): ViewerLayer | null {
  const ok = showable(layers);
  for (const role of ['enhanced', 'phase', 'amplitude', 'interpolated'] as const) {
    const found = ok.find((l) => l.role === role);
    if (found) return found;
  }
  return null;
}

export function defaultPaneLayers(layers: readonly ViewerLayer[]): string[] {
  const amplitude = layers.find((l) => l.role === 'amplitude');
  const phase = layers.find((l) => l.role === 'phase');
  if (amplitude && phase) return [amplitude.key, phase.key];
  const other = comparisonLayer(layers);
  return other ? ['raw', other.key] : ['raw'];
}

/** The layers each pane shows in a mode: one per pane, or two in one pane (curtain, blink). */
export function panesFor(mode: CompareMode, paneLayers: readonly string[], layers: readonly ViewerLayer[]): { panes: string[][]; missing: string | null } {
  // Only showable layers: a remembered pane must not bring back an enhanced image that lost its provenance.
  const byKey = new Map(showable(layers).map((l) => [l.key, l]));
  const valid = paneLayers.filter((k) => byKey.has(k));
  const keys = valid.length ? valid : defaultPaneLayers(layers);
  if (mode === 'side-by-side') return { panes: keys.map((k) => [k]), missing: null };
  if (mode === 'curtain' || mode === 'blink') {
    const base = keys[0];
    const top = keys[1] ?? comparisonLayer(layers.filter((l) => l.key !== base))?.key;
    if (!top) return { panes: [[base]], missing: 'two-images' };
    return { panes: [[base, top]], missing: null };
  }
  // Difference: the enhanced image next to its difference map.
  const enhanced = showable(layers).find((l) => l.role === 'enhanced');
  if (!enhanced) return { panes: [[keys[0]]], missing: 'enhanced' };
  const diff = layers.find((l) => l.role === 'difference' && l.differenceOf?.enhancedId === enhanced.derivativeId);
  if (!diff) return { panes: [[enhanced.key]], missing: 'difference' };
  return { panes: [[enhanced.key], [diff.key]], missing: null };
}

/** What a pane says about where its pixels came from; never empty for a derived image. */
export function badgeOf(layer: ViewerLayer): { text: string; tone: 'raw' | 'model' | 'baseline' } {
  const p = layer.provenance;
  const made = p ? `${p.modelId} v${p.modelVersion} · ${p.executionProvider}` : null;
  switch (layer.role) {
    case 'raw':
      return { text: 'Raw capture', tone: 'raw' };
    case 'interpolated':
      return { text: 'Bicubic ×2 of raw — not a network output', tone: 'baseline' };
    case 'difference':
      return { text: `Difference: enhanced (${made ?? 'unknown model'}) − bicubic ×2 of raw`, tone: 'model' };
    case 'enhanced':
      return { text: made ? `Enhanced by ${made}` : 'Enhanced — no provenance', tone: 'model' };
    case 'amplitude':
    case 'phase':
      return { text: made ? `${layer.role === 'phase' ? 'Phase' : 'Amplitude'} by ${made}` : `${layer.role} (no model recorded)`, tone: 'model' };
    default:
      return { text: made ? `${layer.label} · ${made}` : layer.label, tone: made ? 'model' : 'baseline' };
  }
}
