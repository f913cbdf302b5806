import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { AnnotationGeometry, Capture, DisplayRequest, PyramidInfo, ViewerLayer } from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { useViewer, type ViewerTool } from '../../store/viewer';
import { ColorBar, type ColormapTables } from './ColorBar';
import { badgeOf, pixelSizeInFrame, tileSourceOf, widthUmOf, type Frame } from './layers';
import type { LockGroup } from './lock';
import { OsdPane } from './osd-pane';
import { drawOverlay, drawScaleBar, lengthLabel, type PointUm, type SharedOverlay } from './overlay';

export interface PaneHandle {
  pane: OsdPane;
  redraw: () => void;
  layers: ViewerLayer[];
  kind: PaneKind;
}

export type PaneKind = 'single' | 'curtain' | 'blink';

export interface PaneProps {
  index: number;
  capture: Capture;
  frame: Frame;
  layers: ViewerLayer[];
  allLayers: ViewerLayer[];
  kind: PaneKind;
  group: LockGroup;
  shared: SharedOverlay;
  registry: Map<number, PaneHandle>;
  navigator: boolean;
  blinkShown: 0 | 1;
  curtain: number;
  tool: ViewerTool;
  colormaps: ColormapTables | null;
  onFirstDraw: (index: number) => void;
  onCreate: (geometry: AnnotationGeometry, text?: string) => void;
  onDraft: () => void;
}

const sameDisplay = (a: DisplayRequest | undefined) => JSON.stringify(a ?? {});

export function Pane(props: PaneProps) {
  const { index, capture, frame, layers, kind, group, shared, registry } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const barRef = useRef<HTMLDivElement>(null);
  const readoutRef = useRef<HTMLDivElement>(null);
  const paneRef = useRef<OsdPane | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const displays = useViewer((s) => s.displays);
  const setActivePane = useViewer((s) => s.setActivePane);
  const [infos, setInfos] = useState<Array<PyramidInfo | null>>([]);
  const [error, setError] = useState<string | null>(null);
  const [pendingText, setPendingText] = useState<PointUm | null>(null);
  const layerKeys = layers.map((l) => l.key).join(',');
  const displayKeys = layers.map((l) => sameDisplay(displays[l.key])).join('|');

  // The OSD viewer lives as long as the pane.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const redraw = () => {
      const pane = paneRef.current;
      if (!pane) return;
      if (svgRef.current) drawOverlay(svgRef.current, pane, propsRef.current.shared);
      if (barRef.current) drawScaleBar(barRef.current, pane, propsRef.current.frame.unit);
    };
    const pane = new OsdPane(index, host, group, {
      navigator: props.navigator,
      onView: redraw,
      onFirstDraw: () => propsRef.current.onFirstDraw(index),
    });
    paneRef.current = pane;
    registry.set(index, { pane, redraw, layers: propsRef.current.layers, kind: propsRef.current.kind });
    // The pane the user touches leads; capture phase, so OSD's own handlers cannot swallow it first.
    const lead = () => {
      group.lead(index);
      setActivePane(index);
    };
    host.addEventListener('pointerdown', lead, true);
    host.addEventListener('wheel', lead, { capture: true, passive: true });
    return () => {
      host.removeEventListener('pointerdown', lead, true);
      host.removeEventListener('wheel', lead, true);
      registry.delete(index);
      paneRef.current = null;
      pane.destroy();
    };
  }, []);

  // Pyramids of this pane's layers, with their display settings; newest request wins.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setError(null);
    const load = (attempt: number) =>
      Promise.all(
        layers.map((l) => lucida().viewer.pyramid({ captureId: capture.id, derivativeId: l.derivativeId, display: displays[l.key] })),
      ).then(
        (result) => {
          if (!live) return;
          setInfos(result);
          // An auto window waits for the image's statistics; ask again (same tiles) until the colour bar can be labelled.
          if (result.some((r) => r.display === null) && attempt < 40) timer = setTimeout(() => void load(attempt + 1), 500);
        },
        (err: unknown) => {
          if (live) setError(messageOf(err));
        },
      );
    void load(0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [capture.id, layerKeys, displayKeys]);

  useEffect(() => {
    const pane = paneRef.current;
    if (!pane || infos.length !== layers.length || infos.some((i) => !i)) return;
    pane.setLayers(
      layers.map((l, i) => ({
        key: `${l.key}:${(infos[i] as PyramidInfo).dziUrl}`,
        tileSource: tileSourceOf(infos[i] as PyramidInfo),
        widthUm: widthUmOf(l, frame),
        widthPx: l.widthPx,
        heightPx: l.heightPx,
      })),
    );
    const handle = registry.get(index);
    if (handle) {
      handle.layers = layers;
      handle.kind = kind;
    }
  }, [infos]);

  useEffect(() => {
    const pane = paneRef.current;
    if (!pane) return;
    pane.setCurtain(kind === 'curtain' ? props.curtain : null);
    registry.get(index)?.redraw();
  }, [kind, props.curtain, infos, index, registry]);

  useEffect(() => {
    const pane = paneRef.current;
    if (!pane || kind !== 'blink') return;
    pane.setLayerOpacity(1, props.blinkShown === 1 ? 1 : 0);
    pane.viewer.forceRedraw();
  }, [kind, props.blinkShown, infos]);

  useEffect(() => {
    paneRef.current?.setMouseNav(props.tool === 'pan');
  }, [props.tool]);

  // ---------- cursor readout ----------
  const readSeq = useRef(0);
  const readTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const visibleLayerAt = (xPx: number, widthPx: number): number => {
    if (layers.length < 2) return 0;
    if (kind === 'curtain') return xPx >= props.curtain * widthPx ? 1 : 0;
    if (kind === 'blink') return props.blinkShown;
    return 0;
  };
  const onMove = (event: ReactPointerEvent<HTMLDivElement>) => {
    const pane = paneRef.current;
    const out = readoutRef.current;
    if (!pane || !pane.isReady || !out) return;
    const rect = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const at = pane.screenToUm(x, y);
    const layer = layers[visibleLayerAt(x, rect.width)];
    const size = pixelSizeInFrame(layer, frame);
    const xPx = Math.floor(at.xUm / size);
    const yPx = Math.floor(at.yUm / size);
    const where = `x ${lengthLabel(at.xUm, frame.unit)}, y ${lengthLabel(at.yUm, frame.unit)}`;
    if (xPx < 0 || yPx < 0 || xPx >= layer.widthPx || yPx >= layer.heightPx) {
      out.textContent = `${where} · outside the image`;
      return;
    }
    out.textContent = `${where} · px (${xPx}, ${yPx}) · …`;
    clearTimeout(readTimer.current);
    const seq = ++readSeq.current;
    readTimer.current = setTimeout(() => {
      lucida()
        .viewer.pixel({ captureId: capture.id, derivativeId: layer.derivativeId, xPx, yPx })
        .then(
          (r) => {
            if (seq !== readSeq.current || !readoutRef.current) return;
            const values = r.values.map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(4))).join(', ');
            readoutRef.current.textContent = `${where} · px (${xPx}, ${yPx}) · ${values} ${r.unit}`;
            readoutRef.current.dataset.values = JSON.stringify(r.values);
          },
          () => undefined,
        );
    }, 60);
  };

  // ---------- tools: ruler and annotations ----------
  const dragStart = useRef<PointUm | null>(null);
  const toUm = (event: ReactPointerEvent<SVGSVGElement>): PointUm | null => {
    const pane = paneRef.current;
    if (!pane || !pane.isReady) return null;
    const rect = event.currentTarget.getBoundingClientRect();
    return pane.screenToUm(event.clientX - rect.left, event.clientY - rect.top);
  };
  const onToolDown = (event: ReactPointerEvent<SVGSVGElement>) => {
    const at = toUm(event);
    if (!at) return;
    group.lead(index);
    setActivePane(index);
    const tool = props.tool;
    if (tool === 'ruler') {
      shared.ruler = { a: at, b: at };
      dragStart.current = at;
    } else if (tool === 'rectangle') {
      shared.draft = { kind: 'rectangle', points: [at, at] };
      dragStart.current = at;
    } else if (tool === 'point') {
      props.onCreate({ kind: 'point', at });
    } else if (tool === 'polygon') {
      const draft = shared.draft?.kind === 'polygon' ? shared.draft : { kind: 'polygon' as const, points: [] };
      draft.points.push(at);
      shared.draft = draft;
    } else if (tool === 'text') {
      setPendingText(at);
    }
    event.currentTarget.setPointerCapture(event.pointerId);
    props.onDraft();
  };
  const onToolMove = (event: ReactPointerEvent<SVGSVGElement>) => {
    if (!dragStart.current) return;
    const at = toUm(event);
    if (!at) return;
    if (props.tool === 'ruler' && shared.ruler) shared.ruler = { a: shared.ruler.a, b: at };
    if (props.tool === 'rectangle' && shared.draft) shared.draft = { kind: 'rectangle', points: [dragStart.current, at] };
    props.onDraft();
  };
  const onToolUp = (event: ReactPointerEvent<SVGSVGElement>) => {
    const start = dragStart.current;
    dragStart.current = null;
    if (!start) return;
    const at = toUm(event) ?? start;
    if (props.tool === 'rectangle') {
      shared.draft = null;
      const widthUm = Math.abs(at.xUm - start.xUm);
      const heightUm = Math.abs(at.yUm - start.yUm);
      if (widthUm > 0 && heightUm > 0) {
        props.onCreate({ kind: 'rectangle', at: { xUm: Math.min(at.xUm, start.xUm), yUm: Math.min(at.yUm, start.yUm) }, widthUm, heightUm });
      }
    }
    props.onDraft();
  };
  const onToolDouble = () => {
    if (props.tool === 'polygon' && shared.draft?.kind === 'polygon') {
      // The double click added its point twice; a polygon needs three distinct corners.
      const points = shared.draft.points.filter((p, i, all) => i === 0 || p.xUm !== all[i - 1].xUm || p.yUm !== all[i - 1].yUm);
      shared.draft = null;
      if (points.length >= 3) props.onCreate({ kind: 'polygon', points });
      props.onDraft();
    }
  };

  const shownLayer = kind === 'blink' ? layers[props.blinkShown] ?? layers[0] : layers[0];
  return (
    <section
      className={`vpane vpane-${kind}`}
      aria-label={`Pane ${index + 1}: ${layers.map((l) => l.label).join(' | ')}`}
      data-testid={`pane-${index}`}
      data-layers={layers.map((l) => l.key).join(',')}
      data-blink-shown={kind === 'blink' ? shownLayer.key : undefined}
    >
      <header className="vpane-head">
        <PaneHeader index={index} layers={layers} allLayers={props.allLayers} kind={kind} blinkShown={props.blinkShown} curtain={props.curtain} />
      </header>
      <div className="vpane-stage" onPointerMove={onMove} onPointerLeave={() => readoutRef.current && (readoutRef.current.textContent = '')}>
        <div className="vpane-osd" ref={hostRef} />
        <svg
          ref={svgRef}
          className={props.tool === 'pan' ? 'vpane-overlay' : 'vpane-overlay tool-active'}
          onPointerDown={props.tool === 'pan' ? undefined : onToolDown}
          onPointerMove={props.tool === 'pan' ? undefined : onToolMove}
          onPointerUp={props.tool === 'pan' ? undefined : onToolUp}
          onDoubleClick={props.tool === 'pan' ? undefined : onToolDouble}
          onWheel={
            props.tool === 'pan'
              ? undefined
              : (event) => {
                  const pane = paneRef.current;
                  if (!pane?.isReady) return;
                  const rect = event.currentTarget.getBoundingClientRect();
                  group.lead(index);
                  pane.zoomAtScreen(event.deltaY < 0 ? 1.4 : 1 / 1.4, event.clientX - rect.left, event.clientY - rect.top);
                }
          }
          data-testid={`overlay-${index}`}
        />
        {kind === 'curtain' && layers.length === 2 ? <CurtainHandle fraction={props.curtain} /> : null}
        <div className="scale-bar" ref={barRef} data-testid={`scale-bar-${index}`} aria-label="Scale bar">
          <span className="scale-bar-line" />
          <span className="scale-bar-label" />
        </div>
        <ColorBarFor layer={shownLayer} info={infos[layers.indexOf(shownLayer)] ?? null} tables={props.colormaps} />
        {error ? (
          <p className="vpane-error form-error" role="alert">
            {error}
          </p>
        ) : null}
        {pendingText ? (
          <TextPrompt
            onCancel={() => setPendingText(null)}
            onSave={(text) => {
              props.onCreate({ kind: 'text', at: pendingText }, text);
              setPendingText(null);
            }}
          />
        ) : null}
      </div>
      <footer className="vpane-foot">
        <div className="readout mono" ref={readoutRef} data-testid={`readout-${index}`} aria-live="off" />
      </footer>
    </section>
  );
}

function PaneHeader(props: { index: number; layers: ViewerLayer[]; allLayers: ViewerLayer[]; kind: PaneKind; blinkShown: 0 | 1; curtain: number }) {
  const { layers, kind } = props;
  const setPaneLayer = useViewer((s) => s.setPaneLayer);
  const paneLayers = useViewer((s) => s.paneLayers);
  const selectable = props.allLayers.filter((l) => !(l.role === 'enhanced' && !l.provenance));
  return (
    <>
      {kind === 'single' ? (
        <select
          aria-label={`Image in pane ${props.index + 1}`}
          value={layers[0].key}
          onChange={(e) => {
            if (paneLayers.length === 0) return;
            setPaneLayer(props.index, e.target.value);
          }}
        >
          {selectable.map((l) => (
            <option key={l.key} value={l.key}>
              {l.label}
            </option>
          ))}
        </select>
      ) : (
        <span className="vpane-pair">
          {kind === 'curtain' ? `${layers[0].label} | ${layers[1]?.label ?? ''}` : `Blink: ${layers[props.blinkShown]?.label ?? layers[0].label}`}
        </span>
      )}
      {layers.map((l, i) => {
        const badge = badgeOf(l);
        const hidden = kind === 'blink' && i !== props.blinkShown;
        return (
          <span key={l.key} className={`badge badge-${badge.tone}${hidden ? ' badge-dim' : ''}`} data-testid="provenance-badge" title={badge.text}>
            {kind === 'curtain' ? (i === 0 ? '◧ ' : '◨ ') : ''}
            {badge.text}
          </span>
        );
      })}
      <DisplayControls layer={kind === 'blink' ? layers[props.blinkShown] ?? layers[0] : layers[layers.length - 1]} />
    </>
  );
}

function DisplayControls({ layer }: { layer: ViewerLayer }) {
  const display = useViewer((s) => s.displays[layer.key]);
  const setDisplay = useViewer((s) => s.setDisplay);
  const [open, setOpen] = useState(false);
  const [lo, setLo] = useState(display?.window ? String(display.window[0]) : '');
  const [hi, setHi] = useState(display?.window ? String(display.window[1]) : '');
  const [gamma, setGamma] = useState(String(display?.gamma ?? 1));
  const [colormap, setColormap] = useState(display?.colormap ?? '');
  const apply = () => {
    const next: DisplayRequest = {};
    const l = Number(lo);
    const h = Number(hi);
    if (lo !== '' && hi !== '' && Number.isFinite(l) && Number.isFinite(h) && l !== h) next.window = [l, h];
    const g = Number(gamma);
    if (Number.isFinite(g) && g > 0 && g <= 10 && g !== 1) next.gamma = g;
    if (colormap) next.colormap = colormap as DisplayRequest['colormap'];
    setDisplay(layer.key, next);
  };
  return (
    <span className="display-controls">
      <button type="button" className="small ghost" aria-expanded={open} onClick={() => setOpen(!open)} title="Window, level, gamma and colour map of this image">
        W/L
      </button>
      {open ? (
        <form
          className="display-form"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <label>
            Min <input aria-label="Window minimum" value={lo} placeholder="auto" onChange={(e) => setLo(e.target.value)} size={6} />
          </label>
          <label>
            Max <input aria-label="Window maximum" value={hi} placeholder="auto" onChange={(e) => setHi(e.target.value)} size={6} />
          </label>
          <label>
            γ <input aria-label="Gamma" value={gamma} onChange={(e) => setGamma(e.target.value)} size={4} />
          </label>
          <select aria-label="Colour map" value={colormap} onChange={(e) => setColormap(e.target.value)}>
            <option value="">default</option>
            <option value="grey">grey</option>
            <option value="cyclic">cyclic</option>
            <option value="diverging">diverging</option>
          </select>
          <button type="submit" className="small">
            Apply
          </button>
          <button
            type="button"
            className="small ghost"
            onClick={() => {
              setLo('');
              setHi('');
              setGamma('1');
              setColormap('');
              setDisplay(layer.key, {});
            }}
          >
            Reset
          </button>
        </form>
      ) : null}
    </span>
  );
}

function ColorBarFor({ layer, info, tables }: { layer: ViewerLayer; info: PyramidInfo | null; tables: ColormapTables | null }) {
  const display = info?.display;
  if (!display || !tables) return null;
  // Grey 8-bit photographs need no bar; a float image (amplitude, phase, difference) or any colour map does.
  const wanted = display.colormap !== 'grey' || info.sampleFormat === 'float' || layer.role === 'amplitude';
  if (!wanted) return null;
  return <ColorBar colormap={display.colormap} window={display.window} unit={layer.valueUnit} tables={tables} />;
}

function CurtainHandle({ fraction }: { fraction: number }) {
  const setCurtain = useViewer((s) => s.setCurtain);
  const ref = useRef<HTMLDivElement>(null);
  const move = (event: ReactPointerEvent<HTMLDivElement>) => {
    if (!event.currentTarget.hasPointerCapture(event.pointerId)) return;
    const stage = ref.current?.parentElement;
    if (!stage) return;
    const rect = stage.getBoundingClientRect();
    setCurtain((event.clientX - rect.left) / rect.width);
  };
  return (
    <div
      ref={ref}
      className="curtain-handle"
      style={{ left: `${fraction * 100}%` }}
      role="slider"
      aria-label="Curtain position"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(fraction * 100)}
      tabIndex={0}
      data-testid="curtain-handle"
      onPointerDown={(e) => {
        e.stopPropagation();
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={move}
      onPointerUp={(e) => e.currentTarget.releasePointerCapture(e.pointerId)}
      onKeyDown={(e) => {
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          e.preventDefault();
          e.stopPropagation();
          setCurtain(fraction + (e.key === 'ArrowLeft' ? -0.05 : 0.05));
        }
      }}
    />
  );
}

function TextPrompt(props: { onSave: (text: string) => void; onCancel: () => void }) {
  const [text, setText] = useState('');
  return (
    <form
      className="text-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) props.onSave(text.trim());
      }}
    >
      <input autoFocus aria-label="Annotation text" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && props.onCancel()} />
      <button type="submit" className="small primary" disabled={!text.trim()}>
        Add
      </button>
      <button type="button" className="small ghost" onClick={props.onCancel}>
        Cancel
      </button>
    </form>
  );
}
