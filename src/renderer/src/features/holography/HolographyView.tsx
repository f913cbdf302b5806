import { useEffect, useRef, useState } from 'react';
import {
  EXECUTION_PROVIDERS,
  type Capture,
  type Derivative,
  type HoloReconstruction,
  type HologramInfo,
  type HolographyMethod,
  type Provenance,
} from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { openCapture } from '../../lib/navigate';
import { useCall } from '../../lib/use-call';
import { FocusCurve } from './FocusCurve';
import { Refocus } from './Refocus';
import { useHolography } from './store';
import './holography.css';

const METHOD_LABELS: Record<HolographyMethod, string> = {
  network: 'Network (back-propagation + holography network)',
  backprop: 'Back-propagation (physics)',
  'multi-height': 'Multi-height retrieval (physics)',
};
const METHOD_SHORT: Record<HolographyMethod, string> = { network: 'Network', backprop: 'Back-propagation', 'multi-height': 'Multi-height' };

const numberOrUndefined = (text: string): number | undefined => (text.trim() === '' || !Number.isFinite(Number(text)) ? undefined : Number(text));

export function HolographyView() {
  const sessionId = useHolography((s) => s.sessionId);
  const captureId = useHolography((s) => s.captureId);
  const selectSession = useHolography((s) => s.selectSession);
  const sessions = useCall('holo-sessions', () => lucida().sessions.list({}), ['session']);
  const holoSessions = (sessions.data ?? []).filter((s) => s.modality === 'hologram');
  useEffect(() => {
    if (sessionId === null && holoSessions.length > 0) selectSession(holoSessions[0].id);
  }, [sessionId, holoSessions, selectSession]);

  return (
    <div className="holography">
      <aside className="holo-side" aria-label="Hologram sessions">
        <label className="holo-field">
          Hologram session
          <select value={sessionId ?? ''} onChange={(e) => selectSession(e.target.value ? Number(e.target.value) : null)} aria-label="Hologram session">
            <option value="">{holoSessions.length ? 'Choose a session' : 'No hologram sessions yet'}</option>
            {holoSessions.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title} ({s.captureCount})
              </option>
            ))}
          </select>
        </label>
        {sessionId !== null && <CaptureList sessionId={sessionId} />}
        {sessionId !== null && <SimulateForm sessionId={sessionId} />}
      </aside>
      <section className="holo-main" aria-label="Reconstruction">
        {captureId === null ? <p className="empty">Choose a hologram capture, or simulate one, to reconstruct it.</p> : <CapturePanel captureId={captureId} />}
      </section>
    </div>
  );
}

function CaptureList(props: { sessionId: number }) {
  const captureId = useHolography((s) => s.captureId);
  const selectCapture = useHolography((s) => s.selectCapture);
  const captures = useCall(`holo-captures-${props.sessionId}`, () => lucida().captures.list({ sessionId: props.sessionId }), ['capture', 'session']);
  if (captures.error) return <p className="error">{captures.error}</p>;
  const list = captures.data ?? [];
  return (
    <ul className="stack-list" aria-label="Holograms">
      {list.length === 0 && <li className="muted">No captures in this session.</li>}
      {list.map((c: Capture) => (
        <li key={c.id}>
          <button type="button" className={c.id === captureId ? 'holo-capture active' : 'holo-capture'} aria-pressed={c.id === captureId} onClick={() => selectCapture(c.id)}>
            <img src={c.thumbUrl} alt="" width={40} height={40} />
            <span>{c.originalName}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function SimulateForm(props: { sessionId: number }) {
  const selectCapture = useHolography((s) => s.selectCapture);
  const [sizePx, setSizePx] = useState('256');
  const [heights, setHeights] = useState('300');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <details className="holo-simulate">
      <summary>Simulate a hologram</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          const heightsUm = heights.split(',').map((h) => Number(h.trim())).filter((h) => Number.isFinite(h) && h > 0);
          lucida()
            .holography.simulate({ sessionId: props.sessionId, sizePx: Number(sizePx), heightsUm, wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1 })
            .then((captures) => selectCapture(captures[0]?.id ?? null))
            .catch((err: unknown) => setError(messageOf(err)))
            .finally(() => setBusy(false));
        }}
      >
        <label className="holo-field">
          Size (px)
          <input value={sizePx} onChange={(e) => setSizePx(e.target.value)} inputMode="numeric" />
        </label>
        <label className="holo-field">
          Heights z (µm, comma-separated)
          <input value={heights} onChange={(e) => setHeights(e.target.value)} />
        </label>
        <p className="muted">532 nm, 1.12 µm pixels, in air; thin cell-like phase objects with shot and read noise.</p>
        <button type="submit" disabled={busy}>
          {busy ? 'Simulating…' : 'Simulate'}
        </button>
        {error && <p className="error" role="alert">{error}</p>}
      </form>
    </details>
  );
}

function CapturePanel(props: { captureId: number }) {
  const info = useCall(`holo-info-${props.captureId}`, () => lucida().holography.info({ captureId: props.captureId }), ['capture']);
  const results = useCall(`holo-results-${props.captureId}`, () => lucida().holography.results({ captureId: props.captureId }), ['capture']);
  if (info.error) return <p className="error" role="alert">{info.error}</p>;
  if (!info.data) return <p className="muted">Loading…</p>;
  return (
    <>
      <ReconstructForm key={props.captureId} info={info.data} onDone={() => results.reload()} />
      <Results results={results.data ?? []} error={results.error} />
    </>
  );
}

function ReconstructForm(props: { info: HologramInfo; onDone: () => void }) {
  const { info } = props;
  const p = info.params;
  const job = useHolography((s) => s.job);
  const startJob = useHolography((s) => s.startJob);
  const onProgress = useHolography((s) => s.onProgress);
  const setCancelling = useHolography((s) => s.setCancelling);
  const clearJob = useHolography((s) => s.clearJob);
  const firstAvailable = info.methods.find((m) => m.available)?.method ?? 'backprop';
  const [method, setMethod] = useState<HolographyMethod>(info.methods.find((m) => m.method === 'network')?.available ? 'network' : firstAvailable);
  const [auto, setAuto] = useState(p.zUm === null);
  const [zUm, setZUm] = useState(p.zUm !== null ? String(p.zUm) : '');
  const [zMin, setZMin] = useState(p.zUm !== null ? String(Math.round(p.zUm * 0.5)) : '100');
  const [zMax, setZMax] = useState(p.zUm !== null ? String(Math.round(p.zUm * 1.5)) : '1000');
  const [wavelengthNm, setWavelength] = useState(p.wavelengthNm !== null ? String(p.wavelengthNm) : '');
  const [pixelSizeUm, setPixelSize] = useState(p.pixelSizeUm !== null ? String(p.pixelSizeUm) : '');
  const [refractiveIndex, setN] = useState(p.refractiveIndex !== null ? String(p.refractiveIndex) : '1');
  const [provider, setProvider] = useState('');
  const [fieldId, setFieldId] = useState(p.fieldId ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const save = async () => {
    setError(null);
    setSaved(null);
    try {
      const z = numberOrUndefined(zUm);
      await lucida().holography.setParams({
        captureId: info.captureId,
        patch: {
          wavelengthNm: numberOrUndefined(wavelengthNm),
          pixelSizeUm: numberOrUndefined(pixelSizeUm),
          refractiveIndex: numberOrUndefined(refractiveIndex),
          ...(!auto && z !== undefined ? { zUm: z } : {}),
          fieldId: fieldId.trim() === '' ? null : fieldId.trim(),
        },
      });
      setSaved('Saved with the capture.');
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const onDone = useRef(props.onDone);
  onDone.current = props.onDone;
  useEffect(
    () =>
      lucida().on('job.progress', (event) => {
        onProgress(event);
        if (event.kind === 'holography.reconstruct' && event.state !== 'running') onDone.current();
      }),
    [onProgress],
  );

  const mine = job && job.captureId === info.captureId ? job : null;
  const running = mine?.progress ? mine.progress.state === 'running' : mine !== null;

  const submit = async () => {
    setError(null);
    try {
      const z = auto ? 'auto' : (numberOrUndefined(zUm) ?? Number.NaN);
      const range = auto ? ([numberOrUndefined(zMin), numberOrUndefined(zMax)] as const) : null;
      const { jobId } = await lucida().holography.reconstruct({
        captureId: info.captureId,
        method,
        zUm: z,
        ...(range && range[0] !== undefined && range[1] !== undefined ? { zRangeUm: [range[0], range[1]] as [number, number] } : {}),
        wavelengthNm: numberOrUndefined(wavelengthNm),
        pixelSizeUm: numberOrUndefined(pixelSizeUm),
        refractiveIndex: numberOrUndefined(refractiveIndex),
        ...(provider ? { provider: provider as (typeof EXECUTION_PROVIDERS)[number] } : {}),
      });
      startJob(jobId, info.captureId);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const progress = mine?.progress;
  return (
    <form
      className="holo-form"
      aria-label="Reconstruct"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <fieldset className="holo-methods">
        <legend>Method</legend>
        {info.methods.map((m) => (
          <label key={m.method} title={m.reason ?? undefined} className={m.available ? '' : 'muted'}>
            <input type="radio" name="method" value={m.method} checked={method === m.method} disabled={!m.available} onChange={() => setMethod(m.method)} />
            {METHOD_LABELS[m.method]}
            {m.reason && <span className="holo-reason"> — {m.reason}</span>}
          </label>
        ))}
      </fieldset>
      <fieldset className="holo-optics">
        <legend>Optics</legend>
        <label className="holo-field">
          Wavelength (nm)
          <input value={wavelengthNm} onChange={(e) => setWavelength(e.target.value)} inputMode="decimal" />
        </label>
        <label className="holo-field">
          Pixel size (µm)
          <input value={pixelSizeUm} onChange={(e) => setPixelSize(e.target.value)} inputMode="decimal" />
        </label>
        <label className="holo-field">
          Refractive index
          <input value={refractiveIndex} onChange={(e) => setN(e.target.value)} inputMode="decimal" />
        </label>
        <label className="holo-check">
          <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> Autofocus
        </label>
        {auto ? (
          <>
            <label className="holo-field">
              z from (µm)
              <input value={zMin} onChange={(e) => setZMin(e.target.value)} inputMode="decimal" />
            </label>
            <label className="holo-field">
              z to (µm)
              <input value={zMax} onChange={(e) => setZMax(e.target.value)} inputMode="decimal" />
            </label>
          </>
        ) : (
          <label className="holo-field">
            Sample-to-sensor z (µm)
            <input value={zUm} onChange={(e) => setZUm(e.target.value)} inputMode="decimal" />
          </label>
        )}
        <label className="holo-field">
          Execution provider
          <select value={provider} onChange={(e) => setProvider(e.target.value)} disabled={method !== 'network'}>
            <option value="">Automatic (first that loads)</option>
            {EXECUTION_PROVIDERS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <div className="holo-actions">
        <label className="holo-field">
          Field id (captures of one field at several heights share it)
          <input value={fieldId} onChange={(e) => setFieldId(e.target.value)} />
        </label>
        <button type="button" className="small" onClick={() => void save()}>
          Save optics with the capture
        </button>
        {saved && <span className="muted">{saved}</span>}
      </div>
      {info.stack.length > 1 && (
        <p className="muted">
          Multi-height stack: {info.stack.length} captures at {info.stack.map((s) => s.zUm).join(', ')} µm
        </p>
      )}
      <div className="holo-actions">
        <button type="submit" disabled={running}>
          Reconstruct
        </button>
        {running && mine && (
          <button
            type="button"
            className="small"
            disabled={mine.cancelling}
            onClick={() => {
              setCancelling();
              void lucida().jobs.cancel({ jobId: mine.jobId });
            }}
          >
            Cancel
          </button>
        )}
        {mine && !running && (
          <button type="button" className="small ghost" onClick={clearJob}>
            Dismiss
          </button>
        )}
        <span role="status" className="holo-status" data-testid="holo-status">
          {progress
            ? progress.state === 'running'
              ? `${progress.current ?? 'Starting'} (${progress.done + 1} of ${progress.total})${progress.message ? ` · ${progress.message}` : ''}`
              : (progress.message ?? progress.state)
            : mine
              ? 'Starting…'
              : ''}
        </span>
      </div>
      {progress && progress.state === 'running' && (
        <div className="progress" role="progressbar" aria-label="Reconstruction" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done}>
          <div className="progress-fill" style={{ width: `${Math.round((100 * progress.done) / Math.max(1, progress.total))}%` }} />
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function provenanceText(p: Provenance | null): string {
  if (!p) return 'no provenance';
  const physics = p.modelId.startsWith('physics:');
  const parts = [
    physics ? `${p.modelId.slice('physics:'.length)} — physics, no network` : `${p.modelId} ${p.modelVersion}`,
    physics ? p.modelVersion : `weights ${p.weightsSha256.slice(0, 12)}…`,
    p.executionProvider,
    p.tileSize !== null ? `tile ${p.tileSize} + halo ${p.tileHalo ?? 0}` : null,
    p.durationMs !== null ? `${(p.durationMs / 1000).toFixed(2)} s` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

function DerivativeRow(props: { label: string; d: Derivative; unit: string }) {
  const { d } = props;
  return (
    <li className="holo-derivative">
      <span className="holo-derivative-kind">{props.label}</span>
      <span className="mono">
        {d.dtype} {d.width}×{d.height} ({props.unit})
      </span>
      <button type="button" className="small" onClick={() => openCapture(d.captureId)}>
        Open in viewer
      </button>
    </li>
  );
}

function Results(props: { results: HoloReconstruction[]; error: string | null }) {
  const refocusId = useHolography((s) => s.refocusId);
  const refocus = useHolography((s) => s.refocus);
  if (props.error) return <p className="error">{props.error}</p>;
  if (props.results.length === 0) return <p className="empty">No reconstructions of this hologram yet.</p>;
  const methods = new Set(props.results.map((r) => r.method));
  return (
    <section aria-label="Reconstructions" className="holo-results">
      <h3>
        Reconstructions{' '}
        <span className="muted">
          ({[...methods].map((m) => METHOD_SHORT[m]).join(' vs ')})
        </span>
      </h3>
      <ol className="holo-result-list">
        {props.results.map((r) => (
          <li key={r.id} className="holo-result" data-testid="holo-result" data-method={r.method}>
            <div className="holo-result-head">
              <strong>{METHOD_SHORT[r.method]}</strong> · z = {r.zUm.toFixed(1)} µm{r.autofocus ? ' (autofocus)' : ''} · {r.wavelengthNm} nm · {r.pixelSizeUm} µm/px · n = {r.refractiveIndex}
              {r.heightsUm && <> · heights {r.heightsUm.map((z) => z.toFixed(0)).join(', ')} µm</>}
            </div>
            <p className="holo-provenance" data-testid="holo-provenance">
              {provenanceText(r.phase.provenance)}
            </p>
            <ul className="holo-derivatives">
              <DerivativeRow label="Amplitude" d={r.amplitude} unit="a.u., background = 1" />
              <DerivativeRow label="Phase" d={r.phase} unit="rad" />
            </ul>
            {r.focusCurve && r.focusCurve.length > 1 && <FocusCurve curve={r.focusCurve} zUm={r.zUm} />}
            <button type="button" className="small ghost" aria-pressed={refocusId === r.id} onClick={() => refocus(refocusId === r.id ? null : r.id)}>
              {refocusId === r.id ? 'Hide refocus' : 'Refocus…'}
            </button>
            {refocusId === r.id && <Refocus result={r} />}
          </li>
        ))}
      </ol>
    </section>
  );
}
