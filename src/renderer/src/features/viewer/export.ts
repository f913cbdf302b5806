/**
 * Exports what the panes show as one PNG: each pane's drawn canvas side by side, with its annotations, ruler, scale
 * bar and the line saying where its pixels came from burnt in, so a figure never loses its scale or its provenance.
 */
import { niceScaleBar } from '../../../../shared/viewport';
import { badgeOf } from './layers';
import { paintOverlay, type SharedOverlay } from './overlay';
import type { PaneHandle } from './Pane';

export async function composeViewPng(handles: PaneHandle[], unit: 'µm' | 'px', shared?: SharedOverlay): Promise<Blob> {
  const canvases = handles.map((h) => ({ h, canvas: h.pane.canvas() })).filter((c): c is { h: PaneHandle; canvas: HTMLCanvasElement } => c.canvas !== null);
  if (canvases.length === 0) throw new Error('Nothing is drawn yet to export.');
  const gap = 8;
  const width = canvases.reduce((sum, c) => sum + c.canvas.width, 0) + gap * (canvases.length - 1);
  const height = Math.max(...canvases.map((c) => c.canvas.height));
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('This window cannot draw a PNG.');
  ctx.fillStyle = '#08090a';
  ctx.fillRect(0, 0, width, height);
  let x = 0;
  for (const { h, canvas } of canvases) {
    ctx.drawImage(canvas, x, 0);
    // The drawer's canvas is in device pixels; the view's scale is per CSS pixel.
    const density = canvas.width / Math.max(1, h.pane.element.clientWidth);
    if (shared) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, 0, canvas.width, canvas.height);
      ctx.clip();
      paintOverlay(ctx, h.pane, shared, density, x);
      ctx.restore();
    }
    const view = h.pane.viewUm();
    ctx.font = `${Math.round(12 * density)}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    const label = h.layers.map((l) => badgeOf(l).text).join('  |  ');
    ctx.fillStyle = 'rgba(0,0,0,0.6)';
    ctx.fillRect(x, 0, Math.min(canvas.width, ctx.measureText(label).width + 16 * density), 22 * density);
    ctx.fillStyle = '#f1f3f6';
    ctx.fillText(label, x + 8 * density, 5 * density);
    if (view) {
      const bar = niceScaleBar(view.umPerScreenPx, 160);
      const barPx = bar.lengthPx * density;
      const text = unit === 'µm' ? bar.label : `${bar.lengthUm} px`;
      const bx = x + 16 * density;
      const by = canvas.height - 24 * density;
      ctx.fillStyle = 'rgba(0,0,0,0.6)';
      ctx.fillRect(bx - 6 * density, by - 20 * density, Math.max(barPx, ctx.measureText(text).width) + 12 * density, 34 * density);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(bx, by, barPx, 4 * density);
      ctx.fillText(text, bx, by - 16 * density);
    }
    x += canvas.width + gap;
  }
  return new Promise((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The PNG could not be encoded.'))), 'image/png'));
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
