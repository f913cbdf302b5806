import { failuresOf, useImports, type ImportRun } from '../../store/imports';
import { formatBytes } from '../../lib/format';

function Bar(props: { label: string; value: number; max: number }) {
  const pct = props.max > 0 ? Math.round((100 * props.value) / props.max) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={props.max} aria-valuenow={props.value}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

/** Where an import stands: uploading, importing (from job events), or its outcome with one line per failed file. */
export function ImportPanel(props: { run: ImportRun }) {
  const { run } = props;
  const cancel = useImports((s) => s.cancel);
  const dismiss = useImports((s) => s.dismiss);
  const failures = failuresOf(run);
  const running = run.phase !== 'finished';
  const tone = running || run.progress?.state === 'cancelled' ? '' : failures.length || run.progress?.state === 'failed' ? 'has-failures' : 'ok';

  let status: string;
  let bar: { value: number; max: number } | null = null;
  if (run.phase === 'uploading') {
    status = `Uploading ${Math.min(run.uploaded + 1, run.fileCount)} of ${run.fileCount}${run.currentName ? `: ${run.currentName}` : ''} (${formatBytes(run.bytesUploaded)} of ${formatBytes(run.bytesTotal)})`;
    bar = { value: run.bytesUploaded, max: run.bytesTotal };
  } else if (run.phase === 'importing') {
    const p = run.progress;
    status = p ? `Importing ${p.done} of ${p.total}${p.current ? `: ${p.current}` : ''}` : 'Starting the import…';
    bar = { value: p?.done ?? 0, max: p?.total ?? run.fileCount };
  } else {
    status = run.outcome ?? 'Import finished.';
  }

  return (
    <section className={`import-panel ${tone}`} aria-label="Import">
      <div className="import-head">
        <span role="status" className="import-status">
          {run.cancelling && running ? 'Cancelling… ' : ''}
          {status}
        </span>
        {running ? (
          <button type="button" className="small" onClick={() => void cancel(run.sessionId)} disabled={run.cancelling}>
            Cancel
          </button>
        ) : (
          <button type="button" className="small ghost" onClick={() => dismiss(run.sessionId)}>
            Dismiss
          </button>
        )}
      </div>
      {bar ? <Bar label="Import progress" value={bar.value} max={bar.max} /> : null}
      {failures.length > 0 ? (
        <ul className="failures" aria-label="Files not imported">
          {failures.map((f, i) => (
            <li key={`${f.name}-${i}`}>
              {/* The host's messages usually name the file already; say it once. */}
              {f.message.includes(f.name) ? (
                f.message
              ) : (
                <>
                  <span className="mono">{f.name}</span>: {f.message}
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
