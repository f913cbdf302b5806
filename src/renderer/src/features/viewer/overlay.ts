/**
 * What is drawn over a pane every frame, imperatively (React would re-render on every animation step): the
 * annotations of the capture, the ruler, a shape being drawn, and the scale bar. Everything is kept in
 * micrometres and projected through the pane, so it sits on the same specimen point in every pane.
 */
import type { Annotation } from '../../../../shared/contract';
import { distanceUm, formatLengthUm, niceScaleBar } from '../../../../shared/viewport';
import type { OsdPane } from './osd-pane';

export interface PointUm {
  xUm: number;
  yUm: number;
}

export interface Draft {
  kind: 'ruler' | 'rectangle' | 'polygon';
  points: PointUm[];
}

/** Overlay state shared by every pane of the viewer. */
export interface SharedOverlay {
  annotations: Annotation[];
  ruler: { a: PointUm; b: PointUm } | null;
  draft: Draft | null;
  unit: 'µm' | 'px';
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function lengthLabel(um: number, unit: 'µm' | 'px'): string {
  return unit === 'µm' ? formatLengthUm(um) : `${Number(um.toPrecision(3))} px`;
}

export function drawOverlay(svg: SVGSVGElement, pane: OsdPane, shared: SharedOverlay): void {
  if (!pane.isReady) {
    svg.innerHTML = '';
    return;
  }
  const s = (p: PointUm) => pane.umToScreen(p.xUm, p.yUm);
  const parts: string[] = [];
  for (const a of shared.annotations) {
    const g = a.geometry;
    const title = a.text ? `<title>${esc(a.text)}</title>` : '';
    if (g.kind === 'point') {
      const p = s(g.at);
      parts.push(`<g class="ann ann-point" data-annotation="${a.id}">${title}<circle cx="${p.x}" cy="${p.y}" r="6"/><circle cx="${p.x}" cy="${p.y}" r="1.5" class="dot"/></g>`);
    } else if (g.kind === 'rectangle') {
      const p = s(g.at);
      const q = s({ xUm: g.at.xUm + g.widthUm, yUm: g.at.yUm + g.heightUm });
      parts.push(`<g class="ann ann-rect" data-annotation="${a.id}">${title}<rect x="${Math.min(p.x, q.x)}" y="${Math.min(p.y, q.y)}" width="${Math.abs(q.x - p.x)}" height="${Math.abs(q.y - p.y)}"/></g>`);
    } else if (g.kind === 'polygon') {
      const pts = g.points.map((pt) => {
        const p = s(pt);
        return `${p.x},${p.y}`;
      });
      parts.push(`<g class="ann ann-poly" data-annotation="${a.id}">${title}<polygon points="${pts.join(' ')}"/></g>`);
    } else {
      const p = s(g.at);
      parts.push(`<g class="ann ann-text" data-annotation="${a.id}"><circle cx="${p.x}" cy="${p.y}" r="3"/><text x="${p.x + 7}" y="${p.y + 4}">${esc(a.text ?? '')}</text></g>`);
    }
    if (a.text && g.kind !== 'text') {
      const at = g.kind === 'polygon' ? g.points[0] : g.at;
      const p = s(at);
      parts.push(`<text class="ann-label" x="${p.x + 8}" y="${p.y - 8}">${esc(a.text)}</text>`);
    }
  }
  if (shared.draft && shared.draft.points.length) {
    const pts = shared.draft.points.map(s);
    if (shared.draft.kind === 'rectangle' && pts.length >= 2) {
      const [p, q] = [pts[0], pts[pts.length - 1]];
      parts.push(`<rect class="draft" x="${Math.min(p.x, q.x)}" y="${Math.min(p.y, q.y)}" width="${Math.abs(q.x - p.x)}" height="${Math.abs(q.y - p.y)}"/>`);
    } else if (shared.draft.kind === 'polygon') {
      parts.push(`<polyline class="draft" points="${pts.map((p) => `${p.x},${p.y}`).join(' ')}"/>`);
    }
  }
  if (shared.ruler) {
    const a = s(shared.ruler.a);
    const b = s(shared.ruler.b);
    const label = lengthLabel(distanceUm(shared.ruler.a, shared.ruler.b), shared.unit);
    parts.push(
      `<g class="ruler"><line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}"/><circle cx="${a.x}" cy="${a.y}" r="3"/><circle cx="${b.x}" cy="${b.y}" r="3"/>` +
        `<text x="${(a.x + b.x) / 2 + 8}" y="${(a.y + b.y) / 2 - 8}" data-testid="ruler-length">${esc(label)}</text></g>`,
    );
  }
  svg.innerHTML = parts.join('');
}

/** Sets the scale bar element's width and label for the pane's current scale. */
export function drawScaleBar(bar: HTMLElement, pane: OsdPane, unit: 'µm' | 'px'): void {
  const view = pane.viewUm();
  if (!view) return;
  const nice = niceScaleBar(view.umPerScreenPx, 160);
  const label = unit === 'µm' ? nice.label : `${nice.lengthUm} px`;
  const line = bar.firstElementChild as HTMLElement | null;
  const text = bar.lastElementChild as HTMLElement | null;
  if (line) line.style.width = `${nice.lengthPx.toFixed(1)}px`;
  if (text && text.textContent !== label) text.textContent = label;
  bar.dataset.lengthUm = String(nice.lengthUm);
  bar.dataset.lengthPx = nice.lengthPx.toFixed(2);
}

/**
 * Draws the annotations and the ruler of one pane onto a 2D canvas (PNG export), in the canvas's device pixels:
 * the same geometry as the SVG overlay, so a figure shows what the screen showed.
 */
export function paintOverlay(ctx: CanvasRenderingContext2D, pane: OsdPane, shared: SharedOverlay, density: number, offsetX: number): void {
  if (!pane.isReady) return;
  const s = (p: PointUm) => {
    const q = pane.umToScreen(p.xUm, p.yUm);
    return { x: offsetX + q.x * density, y: q.y * density };
  };
  ctx.save();
  ctx.lineWidth = 1.5 * density;
  ctx.strokeStyle = '#ffd60a';
  ctx.fillStyle = 'rgba(255, 214, 10, 0.12)';
  ctx.font = `${Math.round(12 * density)}px system-ui, sans-serif`;
  ctx.textBaseline = 'alphabetic';
  const label = (text: string, x: number, y: number) => {
    ctx.save();
    ctx.lineWidth = 3 * density;
    ctx.strokeStyle = '#000';
    ctx.strokeText(text, x, y);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x, y);
    ctx.restore();
  };
  for (const a of shared.annotations) {
    const g = a.geometry;
    ctx.beginPath();
    if (g.kind === 'point' || g.kind === 'text') {
      const p = s(g.at);
      ctx.arc(p.x, p.y, (g.kind === 'point' ? 6 : 3) * density, 0, 2 * Math.PI);
      if (g.kind === 'text') label(a.text ?? '', p.x + 7 * density, p.y + 4 * density);
    } else if (g.kind === 'rectangle') {
      const p = s(g.at);
      const q = s({ xUm: g.at.xUm + g.widthUm, yUm: g.at.yUm + g.heightUm });
      ctx.rect(Math.min(p.x, q.x), Math.min(p.y, q.y), Math.abs(q.x - p.x), Math.abs(q.y - p.y));
    } else {
      g.points.forEach((pt, i) => {
        const p = s(pt);
        if (i === 0) ctx.moveTo(p.x, p.y);
        else ctx.lineTo(p.x, p.y);
      });
      ctx.closePath();
    }
    ctx.fill();
    ctx.stroke();
    if (a.text && g.kind !== 'text') {
      const p = s(g.kind === 'polygon' ? g.points[0] : g.at);
      label(a.text, p.x + 8 * density, p.y - 8 * density);
    }
  }
  if (shared.ruler) {
    const a = s(shared.ruler.a);
    const b = s(shared.ruler.b);
    ctx.strokeStyle = '#7cf0c5';
    ctx.lineWidth = 2 * density;
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    label(lengthLabel(distanceUm(shared.ruler.a, shared.ruler.b), shared.unit), (a.x + b.x) / 2 + 8 * density, (a.y + b.y) / 2 - 8 * density);
  }
  ctx.restore();
}
