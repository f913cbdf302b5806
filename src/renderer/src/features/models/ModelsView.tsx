import '../enhance/enhance.css';
import { useState } from 'react';
import type { GpuCheckReport, ModelSummary } from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { formatBytes } from '../../lib/format';
import { useCall } from '../../lib/use-call';

export function ModelsView() {
  const models = useCall('models', () => lucida().models.list({}));
  return (
    <div className="models">
      <div className="pane-head">
        <h2>Models</h2>
        <button type="button" className="small" onClick={models.reload}>
          Refresh
        </button>
      </div>
      <ImportModel onImported={models.reload} />
      {models.error ? (
        <p className="form-error" role="alert">
          {models.error}
        </p>
      ) : null}
      {models.data === undefined ? (
        models.error ? null : <p className="muted pad">Loading…</p>
      ) : models.data.length === 0 ? (
        <p className="empty">
          No models are available to this host. Bundled enhancement models live in <span className="mono">resources/models/&lt;id&gt;/</span>{' '}
          (model.onnx, manifest.json, MODEL_CARD.md).
        </p>
      ) : (
        <ul className="model-list" aria-label="Models">
          {models.data.map((m) => (
            <li key={m.id} className="model-card">
              <ModelCard model={m} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ImportModel(props: { onImported: () => void }) {
  const [dir, setDir] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async () => {
    setBusy(true);
    setNote(null);
    try {
      const { id } = await lucida().models.import({ path: dir.trim() });
      setNote({ ok: true, text: `Imported model “${id}”; it is validated and ready.` });
      setDir('');
      props.onImported();
    } catch (error) {
      setNote({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="model-import"
      aria-label="Import a model"
      onSubmit={(e) => {
        e.preventDefault();
        if (dir.trim()) void submit();
      }}
    >
      <label>
        Import a model package (folder on this computer){' '}
        <input type="text" className="mono" value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/path/to/model-folder" aria-label="Model folder" />
      </label>{' '}
      <button type="submit" className="small" disabled={busy || !dir.trim()}>
        {busy ? 'Checking…' : 'Import'}
      </button>
      {note ? (
        <p className={note.ok ? 'muted' : 'form-error'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </p>
      ) : null}
    </form>
  );
}

type MetricRow = Record<string, unknown>;

function metricsTable(metrics: unknown): { description: string | null; rows: MetricRow[] } | null {
  if (!metrics || typeof metrics !== 'object') return null;
  const m = metrics as { table?: unknown; description?: unknown };
  const rows = Array.isArray(m.table) ? (m.table.filter((r) => r && typeof r === 'object') as MetricRow[]) : [];
  if (rows.length === 0) return null;
  return { description: typeof m.description === 'string' ? m.description : null, rows };
}

const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 4 : 2)) : String(v ?? '—'));

function ModelCard(props: { model: ModelSummary }) {
  const m = props.model;
  const table = metricsTable(m.metrics);
  const columns = table ? [...new Set(table.rows.flatMap((r) => Object.keys(r)))] : [];
  return (
    <article aria-labelledby={`model-${m.id}`}>
      <header className="model-head">
        <h3 id={`model-${m.id}`} className="mono">
          {m.id}
        </h3>
        <span className="muted">
          v{m.version} · {m.task} · ×{m.scale} · {formatBytes(m.sizeBytes)}
        </span>
      </header>
      <p className="mono muted hash" title="SHA-256 of the weights (model.onnx)">
        weights sha256 {m.sha256}
      </p>
      {table ? (
        <table className="metrics" aria-label={`Metrics of ${m.id}`}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>{cell(r[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {table?.description ? <p className="muted small-text">{table.description}</p> : null}
      <GpuCheck modelId={m.id} />
      <details>
        <summary>Model card</summary>
        {m.card.trim() ? <pre className="model-card-text">{m.card}</pre> : <p className="muted">This model has no model card.</p>}
      </details>
    </article>
  );
}

function GpuCheck(props: { modelId: string }) {
  const [report, setReport] = useState<GpuCheckReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setReport(await lucida().models.gpuCheck({ modelId: props.modelId }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="gpu-check">
      <button type="button" className="small" disabled={busy} onClick={() => void run()} aria-label={`GPU check of ${props.modelId}`}>
        {busy ? 'Checking providers…' : 'GPU check'}
      </button>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {report ? (
        <>
          <table className="providers" aria-label={`Execution providers for ${props.modelId}`}>
            <thead>
              <tr>
                <th>Provider</th>
                <th>Status</th>
                <th>Test tensor max |Δ|</th>
                <th>Run</th>
                <th>Reason / error</th>
              </tr>
            </thead>
            <tbody>
              {report.providers.map((p) => (
                <tr key={p.provider} className={`status-${p.status}`}>
                  <td className="mono">{p.provider}</td>
                  <td>{p.status}</td>
                  <td>{p.maxAbsDiffVsExpected != null ? p.maxAbsDiffVsExpected.toExponential(2) : '—'}</td>
                  <td>{p.runMs != null ? `${p.runMs.toFixed(0)} ms` : '—'}</td>
                  <td>{p.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.parity.length === 0 ? (
            <p className="muted">No GPU provider ran here, so there is nothing to compare with the CPU.</p>
          ) : (
            <ul className="parity" aria-label="GPU vs CPU parity">
              {report.parity.map((q) => (
                <li key={q.provider} className={q.pass ? 'ok' : 'form-error'}>
                  {q.provider} vs CPU: max |Δ| {q.maxAbsDiffVsCpu != null ? q.maxAbsDiffVsCpu.toExponential(2) : 'not comparable'} (tolerance {q.tolerance}) —{' '}
                  <strong>{q.pass ? 'pass' : 'FAIL'}</strong>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
    </div>
  );
}
