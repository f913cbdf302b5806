import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Annotation, AnnotationGeometry, Capture, ViewerLayer } from '../../../../shared/contract';
import type { ViewUm } from '../../../../shared/viewport';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { describeChannels, formatBytes, formatDateTime } from '../../lib/format';
import { openCapture, openSession } from '../../lib/navigate';
import { useCall } from '../../lib/use-call';
import { ConfirmDialog } from '../../shell/Dialog';
import { useShell } from '../../store/shell';
import { COMPARE_MODES, useViewer, type CompareMode, type ViewerTool } from '../../store/viewer';
import type { ColormapTables } from './ColorBar';
import { composeViewPng, download } from './export';
import { badgeOf, defaultPaneLayers, frameOf, panesFor, showable } from './layers';
import { EnhanceControls } from '../enhance/Enhance';
import { LockGroup } from './lock';
import { lengthLabel, type SharedOverlay } from './overlay';
import { Pane, type PaneHandle, type PaneKind } from './Pane';
import './viewer.css';

/** What end-to-end tests and the bench read: where each pane looks, in µm, and when the first tiles were drawn. */
export interface ViewerTestHook {
  captureId: number;
  centersUm(): Array<{ pane: number; xUm: number; yUm: number; umPerScreenPx: number; fovUm: number } | null>;
  leader(): number | null;
  /** Where a specimen point (µm) is in each pane, in CSS pixels from the pane's image-area corner. */
  screenPointsOf(xUm: number, yUm: number): Array<{ x: number; y: number } | null>;
  drawn(): boolean[];
  /** Whether each pane has every tile its current view needs at the best level (OSD's fully-loaded). */
  fullyLoaded(): boolean[];
  timings(): { openedAtMs: number; firstDrawMs: number | null };
}

declare global {
  interface Window {
    __lucidaViewer?: ViewerTestHook;
  }
}

export function ViewerView() {
  const captureId = useViewer((s) => s.captureId);
  const result = useCall(captureId === null ? null : `viewer-layers-${captureId}`, () => lucida().viewer.layers({ captureId: captureId as number }), ['capture']);
  if (captureId === null) {
    return (
      <div className="placeholder">
        <h2>Viewer</h2>
        <p className="empty">Open a capture from the Catalog: select a session and click a thumbnail.</p>
      </div>
    );
  }
  if (result.error && !result.data) {
    return (
      <div className="placeholder">
        <p className="form-error" role="alert">
          {result.error}
        </p>
      </div>
    );
  }
  if (!result.data) return <p className="muted pad">Loading…</p>;
  return <CaptureViewer key={captureId} capture={result.data.capture} layers={result.data.layers} reload={result.reload} />;
}

interface Saved {
  view: ViewUm;
  mode: CompareMode;
  paneLayers: string[];
}

const storageKey = (libraryDir: string, captureId: number) => `lucida.viewer.v1:${libraryDir}:${captureId}`;

function readSaved(key: string): Saved | null {
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? 'null') as Saved | null;
    if (saved && saved.view && Number.isFinite(saved.view.xUm) && saved.view.umPerScreenPx > 0) return saved;
  } catch {
    // an unreadable entry is as good as none
  }
  return null;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

let colormapCache: Promise<ColormapTables> | null = null;

function CaptureViewer(props: { capture: Capture; layers: ViewerLayer[]; reload: () => void }) {
  const { capture, layers } = props;
  const frame = useMemo(() => frameOf(capture), [capture]);
  const mode = useViewer((s) => s.mode);
  const locked = useViewer((s) => s.locked);
  const paneLayers = useViewer((s) => s.paneLayers);
  const curtain = useViewer((s) => s.curtain);
  const blinkRunning = useViewer((s) => s.blinkRunning);
  const tool = useViewer((s) => s.tool);
  const helpOpen = useViewer((s) => s.helpOpen);
  const info = useCall('app.info', () => lucida().app.info({}));
  const annotations = useCall(`annotations-${capture.id}`, () => lucida().annotations.list({ captureId: capture.id }), ['capture']);
  const siblings = useCall(`captures-${capture.sessionId}`, () => lucida().captures.list({ sessionId: capture.sessionId }), ['capture']);
  const [colormaps, setColormaps] = useState<ColormapTables | null>(null);
  const [blinkShown, setBlinkShown] = useState<0 | 1>(1);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const group = useMemo(() => new LockGroup(), []);
  const registry = useMemo(() => new Map<number, PaneHandle>(), []);
  const shared = useRef<SharedOverlay>({ annotations: [], ruler: null, draft: null, unit: frame.unit }).current;
  const timing = useRef({ openedAtMs: performance.now(), firstDrawMs: null as number | null });
  const restored = useRef(false);

  const redrawAll = useCallback(() => {
    for (const h of registry.values()) h.redraw();
  }, [registry]);

  useEffect(() => {
    colormapCache ??= lucida().viewer.colormaps({});
    colormapCache.then(setColormaps, () => (colormapCache = null));
  }, []);

  // Restore the last view, mode and panes of this capture once the library is known; else sensible defaults.
  const libraryDir = info.data?.libraryDir ?? null;
  useEffect(() => {
    if (restored.current || libraryDir === null) return;
    restored.current = true;
    const saved = readSaved(storageKey(libraryDir, capture.id));
    const keys = new Set(layers.map((l) => l.key));
    const state = useViewer.getState();
    if (saved) {
      group.lastView = saved.view;
      const valid = saved.paneLayers.filter((k) => keys.has(k));
      state.setPaneLayers(valid.length ? valid : defaultPaneLayers(layers));
      if (COMPARE_MODES.some((m) => m.id === saved.mode)) state.setMode(saved.mode);
    } else if (state.paneLayers.length === 0 || state.paneLayers.some((k) => !keys.has(k))) {
      state.setPaneLayers(defaultPaneLayers(layers));
    }
  }, [libraryDir, capture.id, layers, group]);

  // Remember the view per capture (debounced: views change every frame).
  useEffect(() => {
    if (libraryDir === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    group.onView = (view) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const s = useViewer.getState();
        try {
          localStorage.setItem(storageKey(libraryDir, capture.id), JSON.stringify({ view, mode: s.mode, paneLayers: s.paneLayers } satisfies Saved));
        } catch {
          // storage full or disabled: the view is simply not remembered
        }
      }, 400);
    };
    return () => {
      clearTimeout(timer);
      group.onView = null;
    };
  }, [libraryDir, capture.id, group]);

  useEffect(() => {
    group.locked = locked;
    if (locked) group.resync();
  }, [locked, group]);

  useEffect(() => {
    shared.annotations = annotations.data ?? [];
    redrawAll();
  }, [annotations.data, shared, redrawAll]);

  useEffect(() => {
    if (tool !== 'ruler') shared.ruler = tool === 'pan' ? shared.ruler : null;
    if (tool !== 'polygon' && tool !== 'rectangle') shared.draft = null;
    redrawAll();
  }, [tool, shared, redrawAll]);

  // Blink: alternate once a second while running.
  useEffect(() => {
    if (mode !== 'blink' || !blinkRunning) return;
    const timer = setInterval(() => setBlinkShown((s) => (s === 1 ? 0 : 1)), 1000);
    return () => clearInterval(timer);
  }, [mode, blinkRunning]);

  const { panes, missing } = panesFor(mode, paneLayers, layers);
  const byKey = useMemo(() => new Map(layers.map((l) => [l.key, l])), [layers]);
  const kind: PaneKind = mode === 'curtain' ? 'curtain' : mode === 'blink' ? 'blink' : 'single';

  // The test hook: read-only getters, harmless in production.
  useEffect(() => {
    window.__lucidaViewer = {
      captureId: capture.id,
      centersUm: () =>
        [...registry.entries()]
          .sort(([a], [b]) => a - b)
          .map(([index, h]) => {
            const v = h.pane.viewUm();
            return v ? { pane: index, ...v, fovUm: v.umPerScreenPx * h.pane.element.clientWidth } : null;
          }),
      leader: () => group.leader,
      screenPointsOf: (xUm, yUm) =>
        [...registry.entries()].sort(([a], [b]) => a - b).map(([, h]) => (h.pane.isReady ? h.pane.umToScreen(xUm, yUm) : null)),
      drawn: () => [...registry.entries()].sort(([a], [b]) => a - b).map(([, h]) => h.pane.hasDrawn),
      fullyLoaded: () =>
        [...registry.entries()].sort(([a], [b]) => a - b).map(([, h]) => {
          const item = h.pane.layerItem(0) as unknown as { getFullyLoaded?: () => boolean } | null;
          return Boolean(item?.getFullyLoaded?.());
        }),
      timings: () => ({ ...timing.current }),
    };
    return () => {
      if (window.__lucidaViewer?.captureId === capture.id) delete window.__lucidaViewer;
    };
  }, [capture.id, group, registry]);

  const onFirstDraw = useCallback(() => {
    timing.current.firstDrawMs ??= performance.now() - timing.current.openedAtMs;
  }, []);

  const createAnnotation = useCallback(
    (geometry: AnnotationGeometry, text?: string) => {
      lucida()
        .annotations.create({ captureId: capture.id, geometry, text })
        .then(
          () => annotations.reload(),
          (err: unknown) => useShell.getState().notify(messageOf(err)),
        );
    },
    [capture.id, annotations],
  );

  const run = async (label: string, action: () => Promise<unknown>) => {
    setBusy(label);
    setActionError(null);
    try {
      await action();
      props.reload();
    } catch (err) {
      setActionError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  const interpolated = layers.find((l) => l.role === 'interpolated');
  const makeInterpolated = () =>
    run('Making bicubic ×2…', async () => {
      const d = await lucida().viewer.interpolate({ captureId: capture.id });
      const s = useViewer.getState();
      if (s.paneLayers.length <= 1) s.setPaneLayers([s.paneLayers[0] ?? 'raw', `d${d.id}`]);
    });
  const enhanced = showable(layers).find((l) => l.role === 'enhanced');
  const makeDifference = () =>
    enhanced?.derivativeId != null ? run('Making difference map…', () => lucida().viewer.difference({ captureId: capture.id, derivativeId: enhanced.derivativeId as number })) : undefined;

  // ---------- keyboard ----------
  const neighbours = useMemo(() => {
    const list = siblings.data ?? [];
    const i = list.findIndex((c) => c.id === capture.id);
    return { prev: i > 0 ? list[i - 1] : null, next: i >= 0 && i < list.length - 1 ? list[i + 1] : null };
  }, [siblings.data, capture.id]);

  const exportPng = useCallback(async () => {
    try {
      const handles = [...registry.entries()].sort(([a], [b]) => a - b).map(([, h]) => h);
      const blob = await composeViewPng(handles, frame.unit, shared);
      download(blob, `${capture.originalName.replace(/\.[^.]+$/, '')}-view.png`);
    } catch (err) {
      useShell.getState().notify(messageOf(err));
    }
  }, [registry, frame.unit, capture.originalName, shared]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (document.querySelector('dialog[open]')) return;
      const s = useViewer.getState();
      const active = registry.get(s.activePane) ?? registry.get(0);
      const lead = () => active && group.lead(active.pane.id);
      const key = event.key;
      let handled = true;
      if (key === '+' || key === '=') {
        lead();
        active?.pane.zoomBy(1.5);
      } else if (key === '-' || key === '_') {
        lead();
        active?.pane.zoomBy(1 / 1.5);
      } else if (key.startsWith('Arrow')) {
        lead();
        const w = active?.pane.element.clientWidth ?? 0;
        const h = active?.pane.element.clientHeight ?? 0;
        const step = { ArrowLeft: [-0.1 * w, 0], ArrowRight: [0.1 * w, 0], ArrowUp: [0, -0.1 * h], ArrowDown: [0, 0.1 * h] }[key];
        if (step) active?.pane.panByScreen(step[0], step[1]);
      } else if (key === '0') {
        lead();
        active?.pane.home();
      } else if (key === 'l' || key === 'L') s.toggleLock();
      else if (key === 'm' || key === 'M') s.nextMode();
      else if (key === 'r' || key === 'R') s.toggleRaw();
      else if (key === 'n' || key === 'N') {
        if (neighbours.next) openCapture(neighbours.next.id);
      } else if (key === 'p' || key === 'P') {
        if (neighbours.prev) openCapture(neighbours.prev.id);
      } else if (key === '?') s.setHelpOpen(!s.helpOpen);
      else if ((key === 'b' || key === 'B' || key === ' ') && s.mode === 'blink') {
        s.setBlinkRunning(false);
        setBlinkShown((b) => (b === 1 ? 0 : 1));
      } else if (key === 'Enter' && s.tool === 'polygon' && shared.draft?.kind === 'polygon') {
        const points = shared.draft.points;
        shared.draft = null;
        if (points.length >= 3) createAnnotation({ kind: 'polygon', points });
        redrawAll();
      } else if (key === 'Escape') {
        if (s.helpOpen) s.setHelpOpen(false);
        else if (shared.draft || s.tool !== 'pan') {
          shared.draft = null;
          s.setTool('pan');
          redrawAll();
        } else handled = false;
      } else handled = false;
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [registry, group, neighbours, shared, createAnnotation, redrawAll]);

  const setMode = useViewer((s) => s.setMode);
  const toggleLock = useViewer((s) => s.toggleLock);
  const setTool = useViewer((s) => s.setTool);
  const setBlinkRunning = useViewer((s) => s.setBlinkRunning);
  const setPaneLayers = useViewer((s) => s.setPaneLayers);
  const setHelpOpen = useViewer((s) => s.setHelpOpen);
  const visibleKeys = panes.map((p) => p[0]);
  const addPane = () => {
    const base = paneLayers.length ? paneLayers : visibleKeys;
    const unused = showable(layers).find((l) => !base.includes(l.key)) ?? layers[0];
    setPaneLayers([...base, unused.key]);
  };

  return (
    <div className="viewer">
      <div className="viewer-main">
        <div className="viewer-toolbar" role="toolbar" aria-label="Viewer">
          <span className="vt-group">
            <button type="button" className="small ghost" disabled={!neighbours.prev} onClick={() => neighbours.prev && openCapture(neighbours.prev.id)} title="Previous capture in the session (P)">
              ‹ Prev
            </button>
            <button type="button" className="small ghost" disabled={!neighbours.next} onClick={() => neighbours.next && openCapture(neighbours.next.id)} title="Next capture in the session (N)">
              Next ›
            </button>
          </span>
          <span className="vt-group" role="radiogroup" aria-label="Compare mode">
            {COMPARE_MODES.map((m) => (
              <button
                key={m.id}
                type="button"
                role="radio"
                aria-checked={mode === m.id}
                className={mode === m.id ? 'small seg active' : 'small seg'}
                onClick={() => setMode(m.id)}
                title={`${m.label} (M cycles)`}
              >
                {m.label}
              </button>
            ))}
          </span>
          <button type="button" className={locked ? 'small seg active' : 'small seg'} aria-pressed={locked} onClick={toggleLock} title="Lock panes in micrometres (L)">
            {locked ? 'Locked' : 'Unlocked'}
          </button>
          {mode === 'side-by-side' ? (
            <span className="vt-group" aria-label="Panes">
              <button type="button" className="small ghost" disabled={visibleKeys.length <= 1} onClick={() => setPaneLayers(visibleKeys.slice(0, -1))} title="One pane fewer">
                − pane
              </button>
              <button type="button" className="small ghost" disabled={visibleKeys.length >= 4} onClick={addPane} title="One pane more (up to 4)">
                + pane
              </button>
            </span>
          ) : null}
          {mode === 'blink' ? (
            <button type="button" className="small ghost" aria-pressed={blinkRunning} onClick={() => setBlinkRunning(!blinkRunning)} title="Blink once a second, or step with B">
              {blinkRunning ? 'Pause blink' : 'Play blink'}
            </button>
          ) : null}
          <span className="vt-group" role="radiogroup" aria-label="Tool">
            {(
              [
                ['pan', 'Pan'],
                ['ruler', 'Ruler'],
                ['point', 'Point'],
                ['rectangle', 'Rectangle'],
                ['polygon', 'Polygon'],
                ['text', 'Text'],
              ] as Array<[ViewerTool, string]>
            ).map(([id, label]) => (
              <button key={id} type="button" role="radio" aria-checked={tool === id} className={tool === id ? 'small seg active' : 'small seg'} onClick={() => setTool(id)}>
                {label}
              </button>
            ))}
          </span>
          {!interpolated ? (
            <button type="button" className="small" disabled={busy !== null} onClick={() => void makeInterpolated()} title="Make a bicubic ×2 of the raw capture to compare with">
              Bicubic ×2
            </button>
          ) : null}
          <button type="button" className="small" onClick={() => void exportPng()} title="Download the current view as PNG with its scale bar">
            Export PNG
          </button>
          <button type="button" className="small ghost" onClick={() => setHelpOpen(!helpOpen)} aria-expanded={helpOpen} title="Keyboard shortcuts (?)">
            ?
          </button>
          {busy ? <span className="muted">{busy}</span> : null}
        </div>
        {actionError ? (
          <p className="form-error" role="alert">
            {actionError}
          </p>
        ) : null}
        {missing ? (
          <MissingNote missing={missing} busy={busy !== null} hasInterpolated={Boolean(interpolated)} onInterpolate={() => void makeInterpolated()} onDifference={() => void makeDifference()} />
        ) : null}
        <div className={`viewer-panes panes-${panes.length}`} data-mode={mode} data-testid="viewer-panes">
          {panes.map((keys, i) => {
            const paneLayerList = keys.map((k) => byKey.get(k)).filter((l): l is ViewerLayer => Boolean(l));
            if (paneLayerList.length === 0) return null;
            const paneKind: PaneKind = paneLayerList.length === 2 ? kind : 'single';
            return (
              <Pane
                key={`${mode}-${i}-${keys.join(',')}`}
                index={i}
                capture={capture}
                frame={frame}
                layers={paneLayerList}
                allLayers={layers}
                kind={paneKind}
                group={group}
                shared={shared}
                registry={registry}
                navigator={i === 0}
                blinkShown={blinkShown}
                curtain={curtain}
                tool={tool}
                colormaps={colormaps}
                onFirstDraw={onFirstDraw}
                onCreate={createAnnotation}
                onDraft={redrawAll}
              />
            );
          })}
        </div>
        {helpOpen ? <HelpOverlay onClose={() => setHelpOpen(false)} /> : null}
      </div>
      <CaptureSide capture={capture} layers={layers} annotations={annotations.data ?? []} unit={frame.unit} onDifference={enhanced ? () => void makeDifference() : undefined} />
    </div>
  );
}

function MissingNote(props: { missing: string; busy: boolean; hasInterpolated: boolean; onInterpolate: () => void; onDifference: () => void }) {
  if (props.missing === 'two-images') {
    return (
      <p className="note viewer-note" role="note">
        This mode compares two images of the capture and it has only the raw one.{' '}
        <button type="button" className="small" disabled={props.busy} onClick={props.onInterpolate}>
          Make bicubic ×2
        </button>
      </p>
    );
  }
  if (props.missing === 'enhanced') {
    return (
      <p className="note viewer-note" role="note">
        A difference map shows what a network added beyond a bicubic ×2 of the raw capture; this capture has no enhanced result yet.
      </p>
    );
  }
  return (
    <p className="note viewer-note" role="note">
      No difference map of the enhanced result yet.{' '}
      <button type="button" className="small" disabled={props.busy} onClick={props.onDifference}>
        Make difference map
      </button>
    </p>
  );
}

const SHORTCUTS: Array<[string, string]> = [
  ['+ / −', 'Zoom in / out'],
  ['Arrows', 'Pan'],
  ['0', 'Home (whole image)'],
  ['L', 'Lock / unlock panes'],
  ['M', 'Next compare mode'],
  ['R', 'Raw image in the active pane (again: back)'],
  ['B or Space', 'Step the blink'],
  ['N / P', 'Next / previous capture of the session'],
  ['Enter', 'Finish a polygon'],
  ['Esc', 'Back to panning; close this help'],
  ['?', 'This help'],
];

function HelpOverlay(props: { onClose: () => void }) {
  return (
    <div className="help-overlay" role="dialog" aria-label="Viewer shortcuts">
      <h3>Viewer shortcuts</h3>
      <dl>
        {SHORTCUTS.map(([k, v]) => (
          <div key={k}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <button type="button" className="small" onClick={props.onClose}>
        Close
      </button>
    </div>
  );
}

function CaptureSide(props: { capture: Capture; layers: ViewerLayer[]; annotations: Annotation[]; unit: 'µm' | 'px'; onDifference?: () => void }) {
  const { capture } = props;
  const open = useViewer((s) => s.open);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const derived = props.layers.filter((l) => l.role !== 'raw');
  const session = useCall(`session-${capture.sessionId}`, () => lucida().sessions.get({ id: capture.sessionId }), ['session']);
  // A finished enhancement opens side by side with the raw capture.
  const showEnhanced = useCallback(() => {
    void lucida()
      .viewer.layers({ captureId: capture.id })
      .then(({ layers }) => {
        const newest = layers.filter((l) => l.role === 'enhanced' && l.provenance).sort((a, b) => (b.derivativeId ?? 0) - (a.derivativeId ?? 0))[0];
        if (!newest) return;
        const s = useViewer.getState();
        s.setMode('side-by-side');
        s.setPaneLayers(['raw', newest.key]);
      })
      .catch(() => undefined);
  }, [capture.id]);
  const showInActivePane = (key: string) => {
    const s = useViewer.getState();
    if (s.mode !== 'side-by-side') s.setMode('side-by-side');
    const panes = s.paneLayers.length ? s.paneLayers : ['raw'];
    const pane = Math.min(s.activePane, panes.length - 1);
    s.setPaneLayers(panes.map((k, i) => (i === pane ? key : k)));
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await lucida().captures.delete({ id: capture.id });
      setConfirming(false);
      open(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const removeAnnotation = (id: number) =>
    lucida()
      .annotations.delete({ id })
      .catch((err: unknown) => useShell.getState().notify(messageOf(err)));

  return (
    <aside className="viewer-side" aria-label="Capture details">
      <h2 className="capture-title" title={capture.originalName}>
        {capture.originalName}
      </h2>
      <div className="actions">
        <button type="button" className="small" onClick={() => void openSession(capture.sessionId)}>
          Show session
        </button>
        <button type="button" className="small danger-text" onClick={() => setConfirming(true)}>
          Delete capture
        </button>
      </div>
      <dl className="props">
        <dt>Size</dt>
        <dd>
          {capture.width} × {capture.height} px
        </dd>
        <dt>Bit depth</dt>
        <dd>
          {capture.bitDepth}-bit · {capture.channels} ({describeChannels(capture.channels)})
        </dd>
        <dt>Pixel size</dt>
        <dd>{capture.pixelSizeUm != null ? `${capture.pixelSizeUm} µm` : 'unknown — lengths are in raw pixels'}</dd>
        {capture.pixelSizeUm != null ? (
          <>
            <dt>Field of view</dt>
            <dd>
              {((capture.width * capture.pixelSizeUm) / 1000).toFixed(3)} × {((capture.height * capture.pixelSizeUm) / 1000).toFixed(3)} mm
            </dd>
          </>
        ) : null}
        <dt>Captured</dt>
        <dd>{formatDateTime(capture.capturedAt)}</dd>
        <dt>File</dt>
        <dd>
          {capture.format.toUpperCase()} · {formatBytes(capture.byteSize)}
        </dd>
        <dt>SHA-256</dt>
        <dd className="mono hash" title={capture.sha256}>
          {capture.sha256.slice(0, 16)}…
        </dd>
      </dl>
      <h3>Enhance</h3>
      <EnhanceControls
        target={`capture-${capture.id}`}
        label="Enhance"
        disabledReason={session.data?.modality === 'hologram' ? 'Holograms are reconstructed in Holography (amplitude and phase), not enhanced.' : null}
        onDone={showEnhanced}
      />
      <h3>Derived results</h3>
      {derived.length === 0 ? (
        <p className="muted">None yet. Make a bicubic ×2 to compare with, or enhance the capture with a model.</p>
      ) : (
        <ul className="derivatives">
          {derived.map((l) => (
            <li key={l.key}>
              <strong>{l.label}</strong> {l.widthPx}×{l.heightPx}
              <div className="muted">{badgeOf(l).text}</div>
              {l.role === 'enhanced' && !l.provenance ? (
                <div className="muted">Not shown: no provenance recorded.</div>
              ) : (
                <button type="button" className="small ghost" onClick={() => showInActivePane(l.key)} aria-label={`Show ${l.label} in the active pane`}>
                  Show in active pane
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {props.onDifference && !props.layers.some((l) => l.role === 'difference') ? (
        <button type="button" className="small" onClick={props.onDifference}>
          Make difference map
        </button>
      ) : null}
      <h3>Annotations ({props.annotations.length})</h3>
      {props.annotations.length === 0 ? (
        <p className="muted">None. Pick Point, Rectangle, Polygon or Text above and draw on any pane.</p>
      ) : (
        <ul className="annotation-list" aria-label="Annotations">
          {props.annotations.map((a) => (
            <AnnotationItem key={a.id} annotation={a} unit={props.unit} onDelete={() => void removeAnnotation(a.id)} />
          ))}
        </ul>
      )}
      {confirming ? (
        <ConfirmDialog
          title={`Delete capture ${capture.originalName}?`}
          confirmLabel="Delete capture"
          busy={busy}
          error={error}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            The image file and {derived.length} derived result{derived.length === 1 ? '' : 's'} are removed from the library. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </aside>
  );
}

function AnnotationItem(props: { annotation: Annotation; unit: 'µm' | 'px'; onDelete: () => void }) {
  const a = props.annotation;
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(a.text ?? '');
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      await lucida().annotations.update({ id: a.id, patch: { text: text.trim() } });
      setEditing(false);
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const g = a.geometry;
  return (
    <li>
      {editing ? (
        <form
          className="annotation-edit"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <input aria-label={`Text of ${g.kind} annotation ${a.id}`} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          <button type="submit" className="small">
            Save
          </button>
          {error ? <span className="form-error">{error}</span> : null}
        </form>
      ) : (
        <span>
          {g.kind}
          {g.kind === 'rectangle' ? ` ${lengthLabel(g.widthUm, props.unit)} × ${lengthLabel(g.heightUm, props.unit)}` : ''}
          {a.text ? ` — ${a.text}` : ''}
        </span>
      )}
      <span className="vt-group">
        {editing ? null : (
          <button type="button" className="small ghost" aria-label={`Edit text of ${g.kind} annotation ${a.id}`} onClick={() => setEditing(true)}>
            ✎
          </button>
        )}
        <button type="button" className="small ghost" aria-label={`Delete ${g.kind} annotation ${a.id}`} onClick={props.onDelete}>
          ✕
        </button>
      </span>
    </li>
  );
}
