/**
 * One OpenSeadragon viewer in one pane, with up to two layers (the second for curtain and blink) placed in the
 * pane's micrometre frame: viewport unit 1 is the width in µm of the pane's first layer, and every other layer is
 * sized by its own width in µm, so images with different pixel sizes overlay exactly.
 */
import OpenSeadragon from 'openseadragon';
import { umToView, viewToUm, type ViewUm } from '../../../../shared/viewport';
import type { LockGroup, LockablePane } from './lock';

export interface LayerSpec {
  key: string;
  /** Inline DZI description (saves fetching the .dzi before the first tile). */
  tileSource: object;
  widthUm: number;
  widthPx: number;
  heightPx: number;
}

export interface PaneOptions {
  navigator: boolean;
  /** After every change of view (own or followed), before the frame is shown: overlays, scale bar, clip. */
  onView: () => void;
  /** The first tile of the first layer has been drawn. */
  onFirstDraw?: () => void;
}

export class OsdPane implements LockablePane {
  readonly viewer: OpenSeadragon.Viewer;
  private layers: Array<{ spec: LayerSpec; item: OpenSeadragon.TiledImage | null }> = [];
  private refWidthUm = 1;
  private ready = false;
  private pendingView: ViewUm | null = null;
  private destroyed = false;
  private firstDrawn = false;
  /** Clip of the second layer: the fraction of the pane width from which it shows (curtain), or null. */
  private curtainFraction: number | null = null;
  private opacities = new Map<number, number>();

  constructor(
    readonly id: number,
    readonly element: HTMLElement,
    private readonly group: LockGroup,
    private readonly options: PaneOptions,
  ) {
    // The canvas drawer: exportable pixels (no WebGL buffer to preserve), and predictable under software GL.
    const settings = {
      element,
      drawer: 'canvas',
      showNavigationControl: false,
      showNavigator: options.navigator,
      navigatorPosition: 'BOTTOM_RIGHT',
      navigatorSizeRatio: 0.16,
      navigatorAutoFade: false,
      keyboardNavEnabled: false,
      visibilityRatio: 0.1,
      minZoomImageRatio: 0.5,
      maxZoomPixelRatio: 16,
      animationTime: 0.6,
      springStiffness: 10,
      zoomPerScroll: 1.4,
      immediateRender: false,
      imageLoaderLimit: 6,
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
      crossOriginPolicy: false,
      preserveImageSizeOnResize: false,
      // OSD homes the view whenever a world goes to one item (first open, a replaced layer); the lock decides instead.
      preserveViewport: true,
    } as unknown as OpenSeadragon.Options;
    this.viewer = OpenSeadragon(settings);
    group.add(this);
    this.viewer.addHandler('viewport-change', () => {
      if (this.destroyed || !this.ready) return;
      this.applyClip();
      this.group.changed(this);
      this.options.onView();
    });
    this.viewer.addHandler('resize', () => {
      // A pane that changed size keeps µm per screen pixel of the leader, not its own zoom.
      requestAnimationFrame(() => {
        if (this.destroyed) return;
        this.group.resync();
        this.options.onView();
      });
    });
    // The canvas drawer raises `tile-drawn` per tile: the first one is what "first tiles" means for the bench and the specs.
    (this.viewer as unknown as { addHandler(name: string, fn: () => void): void }).addHandler('tile-drawn', () => this.firstDraw());
  }

  private firstDraw(): void {
    if (this.firstDrawn) return;
    this.firstDrawn = true;
    this.options.onFirstDraw?.();
  }

  get isReady(): boolean {
    return this.ready;
  }

  get hasDrawn(): boolean {
    return this.firstDrawn;
  }

  get referenceWidthUm(): number {
    return this.refWidthUm;
  }

  layerItem(index: number): OpenSeadragon.TiledImage | null {
    return this.layers[index]?.item ?? null;
  }

  layerSpec(index: number): LayerSpec | null {
    return this.layers[index]?.spec ?? null;
  }

  get layerCount(): number {
    return this.layers.length;
  }

  /**
   * Shows these layers (bottom first). A layer whose key and source are unchanged keeps its tiles; a changed one
   * (new display settings) is replaced in place, so the view does not move.
   */
  setLayers(specs: LayerSpec[]): void {
    if (specs.length === 0) return;
    const first = !this.ready && this.layers.length === 0;
    this.refWidthUm = specs[0].widthUm;
    // Remove extra layers first.
    while (this.layers.length > specs.length) {
      const gone = this.layers.pop();
      if (gone?.item) this.viewer.world.removeItem(gone.item);
    }
    specs.forEach((spec, index) => {
      const current = this.layers[index];
      if (current && current.spec.key === spec.key && JSON.stringify(current.spec.tileSource) === JSON.stringify(spec.tileSource)) return;
      const slot = { spec, item: current?.item ?? null };
      this.layers[index] = slot;
      const options = {
        tileSource: spec.tileSource,
        x: 0,
        y: 0,
        width: spec.widthUm / this.refWidthUm,
        index,
        replace: Boolean(current?.item),
        success: (event: { item: OpenSeadragon.TiledImage }) => {
          if (this.destroyed || this.layers[index] !== slot) {
            if (!this.destroyed && this.layers[index] !== slot) this.viewer.world.removeItem(event.item);
            return;
          }
          slot.item = event.item;
          const opacity = this.opacities.get(index);
          if (opacity !== undefined) event.item.setOpacity(opacity);
          if (index === 0 && !this.ready) {
            this.ready = true;
            const view = this.pendingView ?? this.group.lastView;
            if (view) this.follow(view);
            else this.viewer.viewport.goHome(true);
            if (first) this.group.resync();
          }
          this.applyClip();
          this.options.onView();
        },
      };
      this.viewer.addTiledImage(options as unknown as Parameters<OpenSeadragon.Viewer['addTiledImage']>[0]);
    });
  }

  setLayerOpacity(index: number, opacity: number): void {
    // Kept, so a layer still loading (or replaced for new display settings) opens at the opacity asked for.
    this.opacities.set(index, opacity);
    this.layers[index]?.item?.setOpacity(opacity);
  }

  /** Clips the second layer to the part of the pane right of `fraction` (null: no clip). */
  setCurtain(fraction: number | null): void {
    this.curtainFraction = fraction;
    this.applyClip();
    this.viewer.forceRedraw();
  }

  private applyClip(): void {
    const top = this.layers[1]?.item;
    if (!top) return;
    if (this.curtainFraction === null) {
      top.setClip(null);
      return;
    }
    const spec = this.layers[1].spec;
    const size = this.viewer.viewport.getContainerSize();
    const vpPoint = this.viewer.viewport.pointFromPixel(new OpenSeadragon.Point(this.curtainFraction * size.x, 0), true);
    const imagePoint = top.viewportToImageCoordinates(vpPoint.x, vpPoint.y, true);
    const left = Math.max(-1, Math.min(spec.widthPx + 1, imagePoint.x));
    top.setClip(new OpenSeadragon.Rect(left, -1, spec.widthPx + 2 - left, spec.heightPx + 2));
  }

  // ---------- LockablePane ----------

  viewUm(): ViewUm | null {
    if (!this.ready || this.destroyed) return null;
    const vp = this.viewer.viewport;
    const center = vp.getCenter(true);
    const width = vp.getContainerSize().x;
    if (!(width > 0)) return null;
    return viewToUm({ centerX: center.x, centerY: center.y, zoom: vp.getZoom(true), refWidthUm: this.refWidthUm, containerWidthPx: width });
  }

  follow(view: ViewUm): void {
    if (this.destroyed) return;
    if (!this.ready) {
      this.pendingView = view;
      return;
    }
    const vp = this.viewer.viewport;
    const width = vp.getContainerSize().x;
    if (!(width > 0)) return;
    const target = umToView(view, { refWidthUm: this.refWidthUm, containerWidthPx: width });
    vp.zoomTo(target.zoom, undefined, true);
    vp.panTo(new OpenSeadragon.Point(target.centerX, target.centerY), true);
    this.drawNow();
  }

  settle(): void {
    if (!this.ready || this.destroyed) return;
    const vp = this.viewer.viewport;
    const center = vp.getCenter(true);
    const zoom = vp.getZoom(true);
    vp.zoomTo(zoom, undefined, true);
    vp.panTo(center, true);
  }

  /**
   * Draws the follower in the leader's frame instead of waiting for its own animation frame (which may already
   * have run this frame): no lag frame between panes. Falls back to a redraw on the next frame.
   */
  private drawNow(): void {
    const viewer = this.viewer as unknown as {
      viewport: { update(): boolean };
      world: { update(changed: boolean): boolean; draw(): void };
      navigator?: { update(vp: unknown): void } | null;
    };
    try {
      viewer.viewport.update();
      viewer.world.update(true);
      this.applyClip();
      viewer.world.draw();
      viewer.navigator?.update(this.viewer.viewport);
    } catch {
      this.viewer.forceRedraw();
    }
    this.options.onView();
  }

  // ---------- coordinates ----------

  /** Container pixel → µm in the specimen frame. */
  screenToUm(xPx: number, yPx: number): { xUm: number; yUm: number } {
    const p = this.viewer.viewport.pointFromPixel(new OpenSeadragon.Point(xPx, yPx), true);
    return { xUm: p.x * this.refWidthUm, yUm: p.y * this.refWidthUm };
  }

  /** µm in the specimen frame → container pixel. */
  umToScreen(xUm: number, yUm: number): { x: number; y: number } {
    const p = this.viewer.viewport.pixelFromPoint(new OpenSeadragon.Point(xUm / this.refWidthUm, yUm / this.refWidthUm), true);
    return { x: p.x, y: p.y };
  }

  zoomBy(factor: number): void {
    this.viewer.viewport.zoomBy(factor);
    this.viewer.viewport.applyConstraints();
  }

  /** Zooms about a container pixel (wheel over an instrument overlay, which hides OSD's own wheel handling). */
  zoomAtScreen(factor: number, xPx: number, yPx: number): void {
    const vp = this.viewer.viewport;
    vp.zoomBy(factor, vp.pointFromPixel(new OpenSeadragon.Point(xPx, yPx), true));
    vp.applyConstraints();
  }

  panByScreen(dxPx: number, dyPx: number): void {
    const vp = this.viewer.viewport;
    const delta = vp.deltaPointsFromPixels(new OpenSeadragon.Point(dxPx, dyPx), true);
    vp.panBy(delta);
    vp.applyConstraints();
  }

  home(): void {
    this.viewer.viewport.goHome();
  }

  setMouseNav(enabled: boolean): void {
    this.viewer.setMouseNavEnabled(enabled);
  }

  /** The drawn canvas (canvas drawer), for PNG export. */
  canvas(): HTMLCanvasElement | null {
    const drawer = (this.viewer as unknown as { drawer?: { canvas?: HTMLCanvasElement } }).drawer;
    return drawer?.canvas ?? null;
  }

  destroy(): void {
    this.destroyed = true;
    this.group.remove(this);
    this.viewer.destroy();
  }
}
