import { useState } from 'react';
import type { Specimen } from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { MODALITY_LABELS } from '../../lib/format';
import { useCall } from '../../lib/use-call';
import { useCatalog } from '../../store/catalog';
import { ConfirmDialog } from '../../shell/Dialog';
import { SessionDetail } from './SessionDetail';
import { SessionEditor } from './SessionEditor';
import { SpecimenEditor } from './SpecimenEditor';
import { TagTerms } from './TagTerms';

export function CatalogView() {
  const editor = useCatalog((s) => s.editor);
  return (
    <div className="catalog">
      <SpecimenPane />
      <SessionsPane />
      <SessionDetail />
      {editor?.kind === 'specimen' ? <SpecimenEditor key={`sp-${editor.id}`} id={editor.id} /> : null}
      {editor?.kind === 'session' ? <SessionEditor key={`se-${editor.id}`} id={editor.id} specimenId={editor.specimenId} /> : null}
    </div>
  );
}

function SpecimenPane() {
  const specimens = useCall('specimens', () => lucida().specimens.list({}), ['specimen', 'session']);
  const selected = useCatalog((s) => s.specimenId);
  const select = useCatalog((s) => s.selectSpecimen);
  const openEditor = useCatalog((s) => s.openEditor);
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = (specimens.data ?? []).filter(
    (s) => !needle || [s.accessionId, s.tissue, s.stain, ...s.tags].some((v) => v?.toLowerCase().includes(needle)),
  );
  return (
    <section className="pane pane-specimens" aria-labelledby="specimens-heading">
      <div className="pane-head">
        <h2 id="specimens-heading">Specimens</h2>
        <button type="button" className="primary small" onClick={() => openEditor({ kind: 'specimen', id: null })} title="New specimen (N)">
          New specimen
        </button>
      </div>
      {specimens.data && specimens.data.length > 0 ? (
        <div className="pane-filter">
          <label htmlFor="specimen-filter" className="visually-hidden">
            Filter specimens
          </label>
          <input id="specimen-filter" type="search" placeholder="Filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
      ) : null}
      {specimens.error ? (
        <p className="form-error" role="alert">
          {specimens.error}
        </p>
      ) : null}
      {specimens.data === undefined ? (
        specimens.error ? null : <p className="muted pad">Loading…</p>
      ) : specimens.data.length === 0 ? (
        <p className="empty">
          No specimens yet — create one with <strong>New specimen</strong> (<kbd>N</kbd>).
        </p>
      ) : shown.length === 0 ? (
        <p className="empty">No specimen matches “{filter.trim()}”.</p>
      ) : (
        <ul className="list" aria-label="Specimens">
          {shown.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className={s.id === selected ? 'row selected' : 'row'}
                aria-current={s.id === selected ? 'true' : undefined}
                onClick={() => select(s.id)}
              >
                <span className="row-title mono">{s.accessionId}</span>
                <span className="row-sub muted">{[s.tissue, s.stain].filter(Boolean).join(' · ') || '—'}</span>
                <span className="badge" title="Sessions">
                  {s.sessionCount}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SpecimenSummary(props: { specimen: Specimen }) {
  const { specimen } = props;
  const openEditor = useCatalog((s) => s.openEditor);
  const select = useCatalog((s) => s.selectSpecimen);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await lucida().specimens.delete({ id: specimen.id });
      setConfirming(false);
      select(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="summary">
      <div className="summary-head">
        <h3 className="mono">{specimen.accessionId}</h3>
        <div className="actions">
          <button type="button" className="small" onClick={() => openEditor({ kind: 'specimen', id: specimen.id })}>
            Edit specimen
          </button>
          <button type="button" className="small danger-text" onClick={() => setConfirming(true)}>
            Delete specimen
          </button>
        </div>
      </div>
      <dl className="props">
        <dt>Tissue</dt>
        <dd>{specimen.tissue ?? '—'}</dd>
        <dt>Stain</dt>
        <dd>{specimen.stain ?? '—'}</dd>
        <dt>Preparation</dt>
        <dd>{specimen.preparation ?? '—'}</dd>
        <TagTerms tags={specimen.tags} />
      </dl>
      {specimen.notes ? <p className="notes">{specimen.notes}</p> : null}
      {confirming ? (
        <ConfirmDialog
          title={specimen.sessionCount > 0 ? `Specimen ${specimen.accessionId} has sessions` : `Delete specimen ${specimen.accessionId}?`}
          confirmLabel="Delete specimen"
          canConfirm={specimen.sessionCount === 0}
          busy={busy}
          error={error}
          onConfirm={remove}
          onCancel={() => {
            setConfirming(false);
            setError(null);
          }}
        >
          {specimen.sessionCount > 0 ? (
            <p>
              This specimen has {specimen.sessionCount} session{specimen.sessionCount === 1 ? '' : 's'}. A specimen with sessions cannot be
              deleted; delete its sessions first.
            </p>
          ) : (
            <p>The specimen record is removed from the catalog. This cannot be undone.</p>
          )}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function SessionsPane() {
  const specimenId = useCatalog((s) => s.specimenId);
  const sessionId = useCatalog((s) => s.sessionId);
  const selectSession = useCatalog((s) => s.selectSession);
  const openEditor = useCatalog((s) => s.openEditor);
  const specimens = useCall('specimens', () => lucida().specimens.list({}), ['specimen', 'session']);
  const sessions = useCall(specimenId === null ? null : `sessions-${specimenId}`, () => lucida().sessions.list({ specimenId: specimenId ?? undefined }), [
    'session',
    'capture',
  ]);
  const specimen = specimens.data?.find((s) => s.id === specimenId);

  if (specimenId === null) {
    return (
      <section className="pane pane-sessions" aria-label="Sessions">
        <p className="empty">{sessionId !== null ? 'This session belongs to no specimen.' : 'Select a specimen to see its sessions.'}</p>
      </section>
    );
  }
  return (
    <section className="pane pane-sessions" aria-labelledby="sessions-heading">
      {specimen ? <SpecimenSummary specimen={specimen} /> : null}
      <div className="pane-head">
        <h2 id="sessions-heading">Sessions</h2>
        <button type="button" className="primary small" onClick={() => openEditor({ kind: 'session', id: null, specimenId })}>
          New session
        </button>
      </div>
      {sessions.error ? (
        <p className="form-error" role="alert">
          {sessions.error}
        </p>
      ) : null}
      {sessions.data === undefined ? (
        sessions.error ? null : <p className="muted pad">Loading…</p>
      ) : sessions.data.length === 0 ? (
        <p className="empty">
          No sessions for this specimen yet — add one with <strong>New session</strong>.
        </p>
      ) : (
        <ul className="list" aria-label="Sessions">
          {sessions.data.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className={s.id === sessionId ? 'row selected' : 'row'}
                aria-current={s.id === sessionId ? 'true' : undefined}
                onClick={() => selectSession(s.id)}
              >
                <span className="row-title">{s.title}</span>
                <span className="row-sub muted">
                  {s.date} · {MODALITY_LABELS[s.modality]}
                </span>
                <span className="badge" title="Captures">
                  {s.captureCount}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
