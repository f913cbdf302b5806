import { useEffect, useRef, useState } from 'react';
import { EXECUTION_PROVIDERS, type Capture, type CaptureSettings, type CaptureSource, type LiveEnhanceState } from '../../../../shared/contract';
import { bridgeKind, lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { openCapture } from '../../lib/navigate';
import { useCall } from '../../lib/use-call';
import { useShell } from '../../store/shell';
import { Histogram } from './Histogram';
import { connectLive, defaultLiveTransport } from './live-client';
import { useCapture } from './store';
import './capture.css';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/** Refreshes the camera state now and every second while the section is open (status, rate, reconnects). */
function useCameraState() {
  const setCamera = useCapture((s) => s.setCamera);
  useEffect(() => {
    let alive = true;
    const poll = () =>
      lucida()
        .capture.state({})
        .then((s) => alive && setCamera(s))
        .catch(() => undefined);
    void poll();
    const timer = setInterval(poll, 1000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [setCamera]);
}

/** Job progress of acquisitions, from the host's events. */
function useCaptureJobs() {
  const setJob = useCapture((s) => s.setJob);
  useEffect(
    () =>
      lucida().on('job.progress', (p) => {
        if (p.kind.startsWith('capture.')) setJob(p);
      }),
    [setJob],
  );
}

/**
 * The camera runs while the section is open: leaving it stops the camera (it costs a CPU core at video rate),
 * unless an acquisition is still running.
 */
function useStopCameraOnLeave() {
  useEffect(
    () => () => {
      // Forget the last state, so coming back decides on a fresh one (and starts the camera again).
      const { job } = useCapture.getState();
      useCapture.setState({ camera: null, frame: null, enhanced: null });
      if (job?.state === 'running') return;
      void lucida()
        .capture.stop({})
        .catch(() => undefined);
    },
    [],
  );
}

export function CaptureView() {
  useCameraState();
  useCaptureJobs();
  useStopCameraOnLeave();
  const sessionId = useCapture((s) => s.sessionId);
  const selectSession = useCapture((s) => s.selectSession);
  const sessions = useCall('capture-sessions', () => lucida().sessions.list({}), ['session']);
  const list = sessions.data ?? [];
  useEffect(() => {
    if (sessionId === null && list.length > 0) selectSession(list[0].id);
  }, [sessionId, list, selectSession]);

  return (
    <div className="capture">
      <CameraBar />
      <div className="capture-body">
        <LiveView />
        <aside className="capture-side" aria-label="Capture controls">
          <label className="capture-field">
            Session
            <select aria-label="Session" value={sessionId ?? ''} onChange={(e) => selectSession(e.target.value ? Number(e.target.value) : null)}>
              <option value="">{list.length ? 'Choose a session' : 'No sessions yet: create one in the Catalog'}</option>
              {list.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.title} · {s.modality} ({s.captureCount})
                </option>
              ))}
            </select>
          </label>
          <Settings />
          <Readouts />
          <LiveEnhancement />
          <Stage />
          <Acquire />
          <WatchFolder />
          {sessionId !== null && <SessionCaptures sessionId={sessionId} />}
        </aside>
      </div>
    </div>
  );
}

function CameraBar() {
  const camera = useCapture((s) => s.camera);
  const notify = useShell((s) => s.notify);
  const sources = useCall('capture-sources', () => lucida().capture.sources({}));
  const [chosen, setChosen] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const available = (sources.data ?? []).filter((s) => s.available);
  // The simulated microscope is the default unless a real camera is plugged in.
  const preferred = available.find((s) => s.kind === 'ffmpeg') ?? available.find((s) => s.kind === 'simulated');
  const selected = chosen || camera?.sourceId || preferred?.id || '';
  const autoStarted = useRef(false);

  const start = async (id: string) => {
    setBusy(true);
    try {
      useCapture.getState().setCamera(await lucida().capture.start({ sourceId: id }));
    } catch (error) {
      notify(messageOf(error));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (autoStarted.current || !camera || !preferred) return;
    autoStarted.current = true;
    if (camera.status === 'stopped') void start(preferred.id);
  }, [camera, preferred]);

  const running = camera && camera.status !== 'stopped';
  return (
    <div className="capture-bar" role="toolbar" aria-label="Camera">
      <label className="capture-inline">
        Camera
        <select aria-label="Camera" value={selected} onChange={(e) => setChosen(e.target.value)}>
          {(sources.data ?? []).map((s: CaptureSource) => (
            <option key={s.id} value={s.id} disabled={!s.available} title={s.reason ?? undefined}>
              {s.label}
              {s.available ? '' : ' (unavailable)'}
            </option>
          ))}
        </select>
      </label>
      <button type="button" disabled={busy || !selected} onClick={() => void start(selected)}>
        {running && camera?.sourceId === selected ? 'Restart' : 'Start'}
      </button>
      <button
        type="button"
        disabled={busy || !running}
        onClick={async () => {
          try {
            useCapture.getState().setCamera(await lucida().capture.stop({}));
          } catch (error) {
            notify(messageOf(error));
          }
        }}
      >
        Stop
      </button>
      <span className={camera?.status === 'reconnecting' || camera?.status === 'failed' ? 'capture-status warn' : 'capture-status muted'} role="status" aria-label="Camera status">
        {camera ? `${camera.sourceLabel ?? 'No camera'} · ${camera.status}${camera.mode ? ` · ${camera.mode.widthPx}×${camera.mode.heightPx}` : ''}${camera.message ? ` · ${camera.message}` : ''}` : 'Connecting…'}
      </span>
      {(sources.data ?? []).filter((s) => !s.available && s.reason).map((s) => (
        <span key={s.id} className="capture-note muted">
          {s.reason}
        </span>
      ))[0]}
    </div>
  );
}

function LiveView() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const enhancedCanvas = useRef<HTMLCanvasElement>(null);
  const enhanced = useCapture((s) => s.enhanced);
  const camera = useCapture((s) => s.camera);
  const stats = useCapture((s) => s.stats);
  const frame = useCapture((s) => s.frame);
  useEffect(() => {
    if (!canvas.current) return;
    // The same frames over the host's own carrier: Electron's MessagePort or the browser host's WebSocket.
    const client = connectLive({
      transport: defaultLiveTransport(bridgeKind()),
      canvas: canvas.current,
      enhancedCanvas: () => enhancedCanvas.current,
      onEnhanced: (h) => useCapture.getState().setEnhanced(h),
      onFrame: (h) => useCapture.getState().setFrame(h),
      onStats: (s) => useCapture.getState().setStats(s),
    });
    return () => client.close();
  }, []);
  useStageKeys();
  const drag = useStageDrag(canvas);
  return (
    <section className="capture-live" aria-label="Live view">
      <div className={enhanced ? 'capture-panes two' : 'capture-panes'}>
        <canvas ref={canvas} className="capture-canvas" aria-label="Live image" tabIndex={0} {...drag} />
        {/* Always mounted, so a result arriving before React re-renders still has a canvas to land on. */}
        <figure className="capture-enhanced" hidden={!enhanced}>
          <canvas ref={enhancedCanvas} className="capture-canvas" aria-label="Enhanced live region" />
          {enhanced?.enhanced && (
            <figcaption className="mono capture-note" aria-label="Enhancement provenance">
              {enhanced.enhanced.modelId} {enhanced.enhanced.modelVersion} · {enhanced.enhanced.executionProvider} · ×{enhanced.enhanced.scale} of the centre {enhanced.enhanced.region.widthPx}×
              {enhanced.enhanced.region.heightPx} px · {enhanced.enhanced.durationMs} ms · {fmt(enhanced.enhanced.fps)} fps
            </figcaption>
          )}
        </figure>
      </div>
      <div className="capture-readout mono" role="status" aria-label="Live readout">
        <span data-testid="live-fps">{fmt(stats.fps)} fps</span>
        <span data-testid="live-dropped">{stats.dropped} dropped</span>
        <span>latency {stats.latencyMs === null ? '–' : `${Math.round(stats.latencyMs)} ms`}</span>
        <span>camera {fmt(frame?.sourceFps ?? camera?.sourceFps)} fps</span>
        {frame && <span>{frame.widthPx}×{frame.heightPx} · {frame.bitDepth}-bit</span>}
        {!stats.connected && <span className="warn">live channel connecting…</span>}
      </div>
    </section>
  );
}

/** Arrow keys move the stage by a fraction of the field; PageUp/PageDown focus by 1 µm (Shift: 10 µm). */
function useStageKeys() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (document.querySelector('dialog[open]')) return;
      // Arrow keys on the section tabs belong to the tab list.
      if (event.target instanceof HTMLElement && event.target.getAttribute('role') === 'tab') return;
      const { camera, stepFraction } = useCapture.getState();
      if (!camera?.stage || !camera.mode || camera.pixelSizeUm === null) return;
      const fieldX = camera.mode.widthPx * camera.pixelSizeUm * stepFraction;
      const fieldY = camera.mode.heightPx * camera.pixelSizeUm * stepFraction;
      const zStep = event.shiftKey ? 10 : 1;
      const moves: Record<string, { xUm?: number; yUm?: number; zUm?: number }> = {
        ArrowLeft: { xUm: -fieldX },
        ArrowRight: { xUm: fieldX },
        ArrowUp: { yUm: -fieldY },
        ArrowDown: { yUm: fieldY },
        PageUp: { zUm: zStep },
        PageDown: { zUm: -zStep },
      };
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      void moveStage(move);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

async function moveStage(move: { xUm?: number; yUm?: number; zUm?: number }, relative = true) {
  try {
    const stage = await lucida().capture.moveStage({ ...move, relative });
    const { camera, setCamera } = useCapture.getState();
    if (camera) setCamera({ ...camera, stage });
  } catch (error) {
    useShell.getState().notify(messageOf(error));
  }
}

/** Dragging the live image moves the specimen with the pointer (the stage goes the other way). */
function useStageDrag(canvas: React.RefObject<HTMLCanvasElement | null>) {
  const last = useRef<{ x: number; y: number } | null>(null);
  const pending = useRef({ dx: 0, dy: 0 });
  const sending = useRef(false);
  const flush = async () => {
    if (sending.current) return;
    const { camera } = useCapture.getState();
    const el = canvas.current;
    if (!camera?.pixelSizeUm || !el || el.clientWidth === 0) return;
    const { dx, dy } = pending.current;
    if (dx === 0 && dy === 0) return;
    pending.current = { dx: 0, dy: 0 };
    const umPerScreenPx = (camera.pixelSizeUm * el.width) / el.clientWidth;
    sending.current = true;
    await moveStage({ xUm: -dx * umPerScreenPx, yUm: -dy * umPerScreenPx });
    sending.current = false;
    void flush();
  };
  return {
    onPointerDown: (e: React.PointerEvent<HTMLCanvasElement>) => {
      last.current = { x: e.clientX, y: e.clientY };
      e.currentTarget.setPointerCapture(e.pointerId);
    },
    onPointerMove: (e: React.PointerEvent<HTMLCanvasElement>) => {
      if (!last.current) return;
      pending.current.dx += e.clientX - last.current.x;
      pending.current.dy += e.clientY - last.current.y;
      last.current = { x: e.clientX, y: e.clientY };
      void flush();
    },
    onPointerUp: () => {
      last.current = null;
    },
  };
}

function Settings() {
  const camera = useCapture((s) => s.camera);
  const notify = useShell((s) => s.notify);
  const settings = camera?.settings;
  if (!camera || !settings) {
    return <p className="muted capture-note">{camera?.sourceId ? 'This camera has no settings Lucida can change.' : 'No camera is running.'}</p>;
  }
  const configure = async (patch: Partial<CaptureSettings>) => {
    try {
      useCapture.getState().setCamera(await lucida().capture.configure(patch));
    } catch (error) {
      notify(messageOf(error));
    }
  };
  return (
    <fieldset className="capture-group">
      <legend>Camera settings</legend>
      <label className="capture-field">
        Exposure (ms)
        <span className="capture-slider">
          <input type="range" aria-label="Exposure slider" min={0} max={1} step={0.001} value={Math.log10(settings.exposureMs / 0.1) / 4} onChange={(e) => void configure({ exposureMs: Math.round(0.1 * 10 ** (Number(e.target.value) * 4) * 100) / 100 })} />
          <input type="number" aria-label="Exposure (ms)" min={0.01} max={10000} step="any" value={settings.exposureMs} onChange={(e) => Number(e.target.value) > 0 && void configure({ exposureMs: Number(e.target.value) })} />
        </span>
      </label>
      <label className="capture-field">
        Gain
        <span className="capture-slider">
          <input type="range" aria-label="Gain slider" min={1} max={16} step={0.1} value={settings.gain} onChange={(e) => void configure({ gain: Number(e.target.value) })} />
          <input type="number" aria-label="Gain" min={1} max={64} step="any" value={settings.gain} onChange={(e) => Number(e.target.value) >= 1 && void configure({ gain: Number(e.target.value) })} />
        </span>
      </label>
      <label className="capture-field">
        Bit depth
        <select aria-label="Bit depth" value={settings.bitDepth} onChange={(e) => void configure({ bitDepth: Number(e.target.value) as 8 | 12 | 16 })}>
          {[8, 12, 16].map((b) => (
            <option key={b} value={b}>
              {b}-bit
            </option>
          ))}
        </select>
      </label>
      <label className="capture-field">
        Objective
        <select aria-label="Objective" value={settings.objectiveId} onChange={(e) => void configure({ objectiveId: e.target.value })}>
          {camera.objectives.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label className="capture-field">
        Imaging
        <select aria-label="Imaging" value={settings.imaging} onChange={(e) => void configure({ imaging: e.target.value as CaptureSettings['imaging'] })}>
          <option value="bright-field">Bright-field</option>
          <option value="hologram">In-line hologram</option>
        </select>
      </label>
      <p className="muted capture-note">Pixel size {fmt(camera.pixelSizeUm, 4)} µm</p>
    </fieldset>
  );
}

function LiveEnhancement() {
  const notify = useShell((s) => s.notify);
  const setEnhanced = useCapture((s) => s.setEnhanced);
  const models = useCall('capture-models', () => lucida().models.list({}));
  const usable = (models.data ?? []).filter((m) => m.task === 'brightfield-sr' || m.task === 'smartphone-enhance');
  const [state, setState] = useState<LiveEnhanceState | null>(null);
  const [modelId, setModelId] = useState('');
  const [regionPx, setRegionPx] = useState(256);
  const [provider, setProvider] = useState<'' | (typeof EXECUTION_PROVIDERS)[number]>('');
  const chosen = modelId || usable[0]?.id || '';
  useEffect(() => {
    void lucida()
      .capture.enhance({ enabled: false })
      .then(setState)
      .catch(() => undefined);
  }, []);
  const toggle = async (enabled: boolean) => {
    try {
      setState(await lucida().capture.enhance({ enabled, modelId: chosen || undefined, regionPx, provider: provider || undefined }));
      if (!enabled) setEnhanced(null);
    } catch (error) {
      notify(messageOf(error));
    }
  };
  return (
    <fieldset className="capture-group">
      <legend>Live enhancement</legend>
      {state?.reason && <p className={state.available ? 'warn capture-note' : 'muted capture-note'}>{state.reason}</p>}
      {state && !state.available ? null : (
        <>
          <div className="capture-row">
            <select aria-label="Live model" value={chosen} onChange={(e) => setModelId(e.target.value)}>
              {usable.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id} {m.version}
                </option>
              ))}
            </select>
            <select aria-label="Live region" value={regionPx} onChange={(e) => setRegionPx(Number(e.target.value))}>
              {[128, 256, 512].map((r) => (
                <option key={r} value={r}>
                  centre {r} px
                </option>
              ))}
            </select>
            <select aria-label="Live provider" value={provider} onChange={(e) => setProvider(e.target.value as typeof provider)}>
              <option value="">first that loads</option>
              {EXECUTION_PROVIDERS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </div>
          <label className="capture-inline">
            <input type="checkbox" checked={state?.enabled ?? false} disabled={!chosen} onChange={(e) => void toggle(e.target.checked)} />
            Enhance the live view
          </label>
        </>
      )}
    </fieldset>
  );
}

function Readouts() {
  const frame = useCapture((s) => s.frame);
  if (!frame) return null;
  const pct = (f: number) => `${(f * 100).toFixed(2)} %`;
  const clipping = frame.clippedHigh > 0.001 || frame.clippedLow > 0.001;
  return (
    <fieldset className="capture-group">
      <legend>Histogram</legend>
      <Histogram bins={frame.histogram} clippedLow={frame.clippedLow} clippedHigh={frame.clippedHigh} />
      <p className={clipping ? 'capture-note warn' : 'capture-note muted'} aria-label="Clipping">
        Clipped: {pct(frame.clippedLow)} dark, {pct(frame.clippedHigh)} bright
      </p>
      <p className="capture-note" aria-label="Focus score">
        Focus score <strong className="mono">{frame.focusScore.toFixed(4)}</strong>
      </p>
    </fieldset>
  );
}

function Stage() {
  const camera = useCapture((s) => s.camera);
  const stepFraction = useCapture((s) => s.stepFraction);
  const setStepFraction = useCapture((s) => s.setStepFraction);
  const [focusing, setFocusing] = useState(false);
  const stage = camera?.stage;
  if (!stage || !camera?.mode || camera.pixelSizeUm === null) return null;
  const dx = camera.mode.widthPx * camera.pixelSizeUm * stepFraction;
  const dy = camera.mode.heightPx * camera.pixelSizeUm * stepFraction;
  return (
    <fieldset className="capture-group">
      <legend>Stage</legend>
      <p className="mono capture-note" aria-label="Stage position">
        x {stage.xUm.toFixed(1)} µm · y {stage.yUm.toFixed(1)} µm · z {stage.zUm.toFixed(2)} µm
      </p>
      <div className="capture-pad">
        <button type="button" aria-label="Stage left" onClick={() => void moveStage({ xUm: -dx })}>←</button>
        <button type="button" aria-label="Stage up" onClick={() => void moveStage({ yUm: -dy })}>↑</button>
        <button type="button" aria-label="Stage down" onClick={() => void moveStage({ yUm: dy })}>↓</button>
        <button type="button" aria-label="Stage right" onClick={() => void moveStage({ xUm: dx })}>→</button>
        <button type="button" aria-label="Focus up" onClick={() => void moveStage({ zUm: 1 })}>z+</button>
        <button type="button" aria-label="Focus down" onClick={() => void moveStage({ zUm: -1 })}>z−</button>
        <button
          type="button"
          disabled={focusing}
          onClick={async () => {
            setFocusing(true);
            try {
              const result = await lucida().capture.autofocus({});
              const { camera: now, setCamera } = useCapture.getState();
              if (now?.stage) setCamera({ ...now, stage: { ...now.stage, zUm: result.zUm } });
            } catch (error) {
              useShell.getState().notify(messageOf(error));
            } finally {
              setFocusing(false);
            }
          }}
        >
          {focusing ? 'Focusing…' : 'Autofocus'}
        </button>
      </div>
      <label className="capture-inline">
        Step
        <select aria-label="Stage step" value={stepFraction} onChange={(e) => setStepFraction(Number(e.target.value))}>
          <option value={0.02}>2 % of field</option>
          <option value={0.1}>10 % of field</option>
          <option value={0.5}>½ field</option>
        </select>
      </label>
      <p className="muted capture-note">Arrow keys move, PageUp/PageDown focus (Shift ×10), drag the image to pan.</p>
    </fieldset>
  );
}

function Acquire() {
  const sessionId = useCapture((s) => s.sessionId);
  const camera = useCapture((s) => s.camera);
  const job = useCapture((s) => s.job);
  const notify = useShell((s) => s.notify);
  const [burst, setBurst] = useState(10);
  const [lapse, setLapse] = useState({ frames: 10, intervalS: 2 });
  const [tiles, setTiles] = useState({ columns: 3, rows: 3, overlapPct: 15 });
  const [last, setLast] = useState<string | null>(null);
  const [pairs, setPairs] = useState({ low: '20x', high: '40x', fields: 4, patchPx: 128 });
  const ready = sessionId !== null && camera?.status === 'running';
  const running = job?.state === 'running';
  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      notify(messageOf(error));
    }
  };
  return (
    <fieldset className="capture-group">
      <legend>Acquire</legend>
      {sessionId === null && <p className="muted capture-note">Choose a session to capture into.</p>}
      <button
        type="button"
        className="primary"
        disabled={!ready}
        onClick={() =>
          void run(async () => {
            const c = await lucida().capture.snapshot({ sessionId: sessionId! });
            setLast(`Saved ${c.originalName} (${c.width}×${c.height}, ${c.bitDepth}-bit)`);
          })
        }
      >
        Snapshot
      </button>
      {last && (
        <p className="capture-note muted" role="status" aria-label="Last snapshot">
          {last}
        </p>
      )}
      <div className="capture-row">
        <input type="number" aria-label="Burst frames" min={1} max={1000} value={burst} onChange={(e) => setBurst(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))} />
        <button type="button" disabled={!ready || running} onClick={() => void run(() => lucida().capture.burst({ sessionId: sessionId!, frames: burst }))}>
          Burst
        </button>
      </div>
      <div className="capture-row">
        <input type="number" aria-label="Time-lapse frames" min={1} value={lapse.frames} onChange={(e) => setLapse({ ...lapse, frames: Math.max(1, Number(e.target.value) || 1) })} />
        <span className="muted">every</span>
        <input type="number" aria-label="Time-lapse interval (s)" min={0.05} step="any" value={lapse.intervalS} onChange={(e) => setLapse({ ...lapse, intervalS: Number(e.target.value) || 1 })} />
        <span className="muted">s</span>
        <button type="button" disabled={!ready || running} onClick={() => void run(() => lucida().capture.timelapse({ sessionId: sessionId!, frames: lapse.frames, intervalMs: Math.round(lapse.intervalS * 1000) }))}>
          Time-lapse
        </button>
      </div>
      {camera?.stage && (
        <div className="capture-row">
          <input type="number" aria-label="Tile columns" min={1} max={20} value={tiles.columns} onChange={(e) => setTiles({ ...tiles, columns: Number(e.target.value) || 1 })} />
          <span className="muted">×</span>
          <input type="number" aria-label="Tile rows" min={1} max={20} value={tiles.rows} onChange={(e) => setTiles({ ...tiles, rows: Number(e.target.value) || 1 })} />
          <input type="number" aria-label="Tile overlap (%)" min={5} max={50} value={tiles.overlapPct} onChange={(e) => setTiles({ ...tiles, overlapPct: Number(e.target.value) || 15 })} />
          <span className="muted">% overlap</span>
          <button type="button" disabled={!ready || running} onClick={() => void run(() => lucida().capture.tileScan({ sessionId: sessionId!, columns: tiles.columns, rows: tiles.rows, overlap: tiles.overlapPct / 100 }))}>
            Tile scan
          </button>
        </div>
      )}
      {camera?.stage && camera.objectives.length > 1 && (
        <div className="capture-row">
          <span className="muted">Pairs</span>
          <select aria-label="Pair low objective" value={pairs.low} onChange={(e) => setPairs({ ...pairs, low: e.target.value })}>
            {camera.objectives.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          <span className="muted">→</span>
          <select aria-label="Pair high objective" value={pairs.high} onChange={(e) => setPairs({ ...pairs, high: e.target.value })}>
            {camera.objectives.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          <input type="number" aria-label="Pair fields" min={1} max={50} value={pairs.fields} onChange={(e) => setPairs({ ...pairs, fields: Number(e.target.value) || 1 })} />
          <input type="number" aria-label="Pair patch (px)" min={16} max={1024} value={pairs.patchPx} onChange={(e) => setPairs({ ...pairs, patchPx: Number(e.target.value) || 64 })} />
          <button
            type="button"
            disabled={!ready || running}
            title="Each field with both objectives, registered by phase correlation, exported as .npy patch pairs with index.json"
            onClick={() => void run(() => lucida().capture.trainingPairs({ sessionId: sessionId!, lowObjectiveId: pairs.low, highObjectiveId: pairs.high, fields: pairs.fields, patchPx: pairs.patchPx }))}
          >
            Training pairs
          </button>
        </div>
      )}
      {job && (
        <div className="capture-row" role="status" aria-label="Acquisition progress">
          <progress max={job.total} value={job.done} />
          {/* A failed acquisition (a full disk, a camera gone) says why here, in the warning colour. */}
          <span className={job.state === 'failed' ? 'warn' : 'muted'} data-testid="acquisition-message">
            {job.message ?? `${job.done} / ${job.total}${job.current ? ` · ${job.current}` : ''}`}
          </span>
          {running && (
            <button type="button" onClick={() => void run(() => lucida().jobs.cancel({ jobId: job.jobId }))}>
              Cancel
            </button>
          )}
        </div>
      )}
    </fieldset>
  );
}

function WatchFolder() {
  const sessionId = useCapture((s) => s.sessionId);
  const camera = useCapture((s) => s.camera);
  const notify = useShell((s) => s.notify);
  const [folder, setFolder] = useState('');
  const watching = camera?.watch;
  const set = async (path: string | null) => {
    if (sessionId === null) return;
    try {
      useCapture.getState().setCamera(await lucida().capture.watch({ sessionId, folder: path }));
    } catch (error) {
      notify(messageOf(error));
    }
  };
  return (
    <fieldset className="capture-group">
      <legend>Watched folder</legend>
      {watching ? (
        <div className="capture-row">
          <span className="mono capture-note">{watching.folder}</span>
          <button type="button" onClick={() => void set(null)}>
            Stop watching
          </button>
        </div>
      ) : (
        <div className="capture-row">
          <input aria-label="Folder to watch" placeholder="/path/to/camera/output" value={folder} onChange={(e) => setFolder(e.target.value)} />
          <button type="button" disabled={!folder.trim() || sessionId === null} onClick={() => void set(folder.trim())}>
            Watch
          </button>
        </div>
      )}
      <p className="muted capture-note">New image files in the folder become captures of the session.</p>
    </fieldset>
  );
}

function SessionCaptures(props: { sessionId: number }) {
  const captures = useCall(`capture-list-${props.sessionId}`, () => lucida().captures.list({ sessionId: props.sessionId }), ['capture', 'session']);
  const list = (captures.data ?? []).slice(-8).reverse();
  return (
    <section className="capture-group" aria-label="Session captures">
      <h3>Latest captures</h3>
      <ul className="stack-list" aria-label="Session captures list">
        {list.length === 0 && <li className="muted">Nothing captured in this session yet.</li>}
        {list.map((c: Capture) => {
          const m = (c.metadata.capture ?? {}) as { objective?: { name: string } | null; exposureMs?: number | null; gain?: number | null; stage?: { xUm: number; yUm: number; zUm: number } | null };
          return (
            <li key={c.id}>
              <button type="button" className="capture-item" onClick={() => openCapture(c.id, c.sessionId, c.specimenId)}>
                <img src={c.thumbUrl} alt={`Thumbnail of ${c.originalName}`} width={48} height={48} />
                <span>
                  <span className="capture-name">{c.originalName}</span>
                  <span className="muted capture-meta">
                    {c.width}×{c.height} · {c.bitDepth}-bit{m.objective ? ` · ${m.objective.name}` : ''}
                    {c.pixelSizeUm !== null ? ` · ${c.pixelSizeUm.toFixed(4)} µm/px` : ''}
                    {m.exposureMs != null ? ` · ${m.exposureMs} ms` : ''}
                    {m.gain != null ? ` · gain ${m.gain}` : ''}
                    {m.stage ? ` · (${m.stage.xUm.toFixed(0)}, ${m.stage.yUm.toFixed(0)}, ${m.stage.zUm.toFixed(1)}) µm` : ''}
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
