/**
 * Viewport maths for panes locked in physical units. OpenSeadragon's viewport units are normalised by the width
 * of the pane's reference image (x and y both: 1 unit = the whole image width), so two panes showing images with
 * different pixel sizes (a raw capture at p µm/px and its 2× result at p/2) only line up when their positions are
 * converted through micrometres. Pure functions, no DOM: tested headless, used by the viewer.
 */

/** Where a pane looks, in micrometres from the specimen image's top-left corner, and how much it shows. */
export interface ViewUm {
  /** Centre of the pane. */
  xUm: number;
  yUm: number;
  /** Micrometres per screen (CSS) pixel: the same in every locked pane, whatever the image's own pixel size. */
  umPerScreenPx: number;
}

/** The state of one OpenSeadragon viewport that matters for locking. */
export interface PaneViewport {
  /** Centre in viewport units (image-width-normalised). */
  centerX: number;
  centerY: number;
  /** OpenSeadragon zoom: 1 means the reference image's full width fills the container width. */
  zoom: number;
  /** Width in micrometres of what viewport unit 1 stands for (the pane's reference image width). */
  refWidthUm: number;
  /** Width of the pane's container in CSS pixels. */
  containerWidthPx: number;
}

/** A pane's viewport → where it looks in micrometres. */
export function viewToUm(v: PaneViewport): ViewUm {
  if (!(v.refWidthUm > 0) || !(v.zoom > 0) || !(v.containerWidthPx > 0)) {
    throw new RangeError('A pane needs a positive reference width, zoom and container width.');
  }
  // Visible width in viewport units is 1/zoom, i.e. refWidthUm/zoom micrometres across containerWidthPx pixels.
  return {
    xUm: v.centerX * v.refWidthUm,
    yUm: v.centerY * v.refWidthUm,
    umPerScreenPx: v.refWidthUm / (v.zoom * v.containerWidthPx),
  };
}

/** Where a micrometre view puts a pane with the given reference width and container: centre and zoom. */
export function umToView(view: ViewUm, pane: { refWidthUm: number; containerWidthPx: number }): { centerX: number; centerY: number; zoom: number } {
  if (!(pane.refWidthUm > 0) || !(pane.containerWidthPx > 0) || !(view.umPerScreenPx > 0)) {
    throw new RangeError('A pane needs a positive reference width and container width, and the view a positive scale.');
  }
  return {
    centerX: view.xUm / pane.refWidthUm,
    centerY: view.yUm / pane.refWidthUm,
    zoom: pane.refWidthUm / (view.umPerScreenPx * pane.containerWidthPx),
  };
}

/** The follower's viewport that shows the same specimen point under the same screen point as the leader's. */
export function followView(leader: PaneViewport, follower: { refWidthUm: number; containerWidthPx: number }): { centerX: number; centerY: number; zoom: number } {
  return umToView(viewToUm(leader), follower);
}

/** Width in micrometres of a layer image: its pixel size when known, else the capture's width shared out. */
export function layerWidthUm(widthPx: number, pixelSizeUm: number | null, captureWidthUm: number): number {
  return pixelSizeUm != null && pixelSizeUm > 0 ? widthPx * pixelSizeUm : captureWidthUm;
}

// ---------- scale bar ----------

export interface ScaleBar {
  lengthUm: number;
  lengthPx: number;
  label: string;
}

/** Formats a length in micrometres with a unit a person would use (nm below 1 µm, mm from 1000 µm). */
export function formatLengthUm(um: number, digits = 3): string {
  const abs = Math.abs(um);
  const trim = (n: number) => String(Number(n.toPrecision(digits)));
  if (abs === 0) return '0 µm';
  if (abs < 1) return `${trim(um * 1000)} nm`;
  if (abs >= 1000) return `${trim(um / 1000)} mm`;
  return `${trim(um)} µm`;
}

/**
 * The longest "nice" length (1, 2 or 5 × 10ⁿ µm) whose bar fits in `maxPx` screen pixels at `umPerScreenPx`,
 * so a scale bar always reads as a round number.
 */
export function niceScaleBar(umPerScreenPx: number, maxPx: number): ScaleBar {
  if (!(umPerScreenPx > 0) || !(maxPx > 0)) throw new RangeError('A scale bar needs a positive scale and width.');
  const maxUm = umPerScreenPx * maxPx;
  const exponent = Math.floor(Math.log10(maxUm));
  let best = 10 ** exponent;
  for (const step of [5, 2, 1]) {
    const candidate = step * 10 ** exponent;
    // Multiplying by 1 + 1e-9 forgives the rounding of 10 ** exponent.
    if (candidate <= maxUm * (1 + 1e-9)) {
      best = candidate;
      break;
    }
  }
  const lengthUm = Number(best.toPrecision(12));
  return { lengthUm, lengthPx: lengthUm / umPerScreenPx, label: formatLengthUm(lengthUm) };
}

/** Distance between two points in micrometres. */
export function distanceUm(a: { xUm: number; yUm: number }, b: { xUm: number; yUm: number }): number {
  return Math.hypot(b.xUm - a.xUm, b.yUm - a.yUm);
}
