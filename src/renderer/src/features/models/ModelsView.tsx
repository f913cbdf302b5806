import { lucida } from '../../bridge';
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
              <article aria-labelledby={`model-${m.id}`}>
                <header className="model-head">
                  <h3 id={`model-${m.id}`} className="mono">
                    {m.id}
                  </h3>
                  <span className="muted">
                    v{m.version} · {m.task} · ×{m.scale} · {formatBytes(m.sizeBytes)}
                  </span>
                  <span className="mono muted hash" title={`weights sha256 ${m.sha256}`}>
                    sha256 {m.sha256.slice(0, 12)}…
                  </span>
                </header>
                {m.card.trim() ? <pre className="model-card-text">{m.card}</pre> : <p className="muted">This model has no model card.</p>}
              </article>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
