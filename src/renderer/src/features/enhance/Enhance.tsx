/** The Enhance controls: one capture (viewer side panel) or a whole session (session page), with progress and Cancel. */
import './enhance.css';
import { useEffect, useRef, useState } from 'react';
import { isRunning, useEnhance, type EnhanceTarget, type Provider } from './store';

const PROVIDER_CHOICES: { value: '' | Provider; label: string }[] = [
  { value: '', label: 'Best available' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'cuda', label: 'CUDA' },
  { value: 'dml', label: 'DirectML' },
  { value: 'coreml', label: 'CoreML' },
  { value: 'cpu', label: 'CPU' },
];

function Progress(props: { label: string; value: number; max: number }) {
  const pct = props.max > 0 ? Math.round((100 * props.value) / props.max) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={props.max} aria-valuenow={props.value}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function EnhanceControls(props: { target: EnhanceTarget; label: string; disabledReason?: string | null; onDone?: () => void }) {
  const run = useEnhance((s) => s.runs[props.target]);
  const start = useEnhance((s) => s.start);
  const cancel = useEnhance((s) => s.cancel);
  const [provider, setProvider] = useState<'' | Provider>('');
  const running = isRunning(run);
  const p = run?.progress ?? null;
  const doneRef = useRef<string | null>(null);
  const onDone = props.onDone;
  useEffect(() => {
    if (p && p.state === 'done' && doneRef.current !== p.jobId) {
      doneRef.current = p.jobId;
      onDone?.();
    }
  }, [p, onDone]);
  const whole = props.target.startsWith('session');
  return (
    <div className="enhance-controls" aria-label={`${props.label} controls`} role="group">
      <div className="actions">
        <button
          type="button"
          className="primary small"
          disabled={running || !!props.disabledReason}
          title={props.disabledReason ?? undefined}
          onClick={() => void start(props.target, provider ? { provider } : {})}
        >
          {props.label}
        </button>
        <label className="inline">
          <span className="muted">on</span>{' '}
          <select aria-label="Execution provider" value={provider} onChange={(e) => setProvider(e.target.value as '' | Provider)} disabled={running}>
            {PROVIDER_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        {running && run?.jobId ? (
          <button type="button" className="small" disabled={run.cancelling} onClick={() => void cancel(props.target)}>
            {run.cancelling ? (whole ? 'Stopping after this capture…' : 'Cancelling…') : 'Cancel'}
          </button>
        ) : null}
      </div>
      {props.disabledReason ? <p className="muted">{props.disabledReason}</p> : null}
      {running ? <Progress label={`${props.label} progress`} value={p?.done ?? 0} max={p?.total ?? 1} /> : null}
      {p?.message ? (
        <p className={p.state === 'failed' ? 'form-error' : 'muted'} role={p.state === 'running' ? undefined : 'status'}>
          {p.current && running ? `${p.current}: ` : ''}
          {p.message}
        </p>
      ) : null}
      {run?.error ? (
        <p className="form-error" role="alert">
          {run.error}
        </p>
      ) : null}
      {p && p.failures.length > 0 && (whole || p.state !== 'failed') ? (
        <ul className="enhance-failures" aria-label="Captures that failed">
          {p.failures.map((f, i) => (
            <li key={i}>
              <strong>{f.name}</strong>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
