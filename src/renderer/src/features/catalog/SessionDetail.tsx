import { useRef, useState } from 'react';
import type { Capture, Session } from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { codeOf, messageOf } from '../../lib/errors';
import { describeChannels, formatOptics, MODALITY_LABELS } from '../../lib/format';
import { openCapture } from '../../lib/navigate';
import { useCall } from '../../lib/use-call';
import { useCatalog } from '../../store/catalog';
import { useImports } from '../../store/imports';
import { ConfirmDialog } from '../../shell/Dialog';
import { ImportPanel } from './ImportPanel';
import { EnhanceControls } from '../enhance/Enhance';
import { TagTerms } from './TagTerms';

export const IMPORT_ACCEPT = '.png,.jpg,.jpeg,.tif,.tiff';

export function SessionDetail() {
  const sessionId = useCatalog((s) => s.sessionId);
  const session = useCall(sessionId === null ? null : `session-${sessionId}`, () => lucida().sessions.get({ id: sessionId as number }), [
    'session',
    'capture',
  ]);
  if (sessionId === null) {
    return (
      <section className="pane pane-detail" aria-label="Session">
        <p className="empty">Select a session to see its captures, or create one with New session.</p>
      </section>
    );
  }
  return (
    <section className="pane pane-detail" aria-label="Session">
      {session.error ? (
        <p className="form-error" role="alert">
          {session.error}
        </p>
      ) : null}
      {session.data ? <SessionBody session={session.data} /> : session.error ? null : <p className="muted pad">Loading…</p>}
    </section>
  );
}

type Deleting = { step: 'confirm' } | { step: 'captures'; count: number };

function SessionBody(props: { session: Session }) {
  const { session } = props;
  const openEditor = useCatalog((s) => s.openEditor);
  const selectSession = useCatalog((s) => s.selectSession);
  const run = useImports((s) => s.runs[session.id]);
  const startImport = useImports((s) => s.start);
  const fileInput = useRef<HTMLInputElement>(null);
  const [deleting, setDeleting] = useState<Deleting | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const captures = useCall(`captures-${session.id}`, () => lucida().captures.list({ sessionId: session.id }), ['capture']);
  const importing = run !== undefined && run.phase !== 'finished';

  const remove = async (confirmDeleteCaptures: boolean) => {
    setBusy(true);
    setDeleteError(null);
    try {
      await lucida().sessions.delete({ id: session.id, confirmDeleteCaptures: confirmDeleteCaptures || undefined });
      setDeleting(null);
      selectSession(null);
    } catch (error) {
      if (codeOf(error) === 'needs-confirmation') {
        setDeleting({ step: 'captures', count: session.captureCount });
      } else {
        setDeleteError(messageOf(error));
      }
    } finally {
      setBusy(false);
    }
  };

  const askDelete = () => {
    setDeleteError(null);
    // With captures the host insists on an explicit confirmation; ask it, so the count shown is the host's.
    if (session.captureCount > 0) void remove(false);
    else setDeleting({ step: 'confirm' });
  };

  const optics = formatOptics(session);
  return (
    <>
      <div className="summary">
        <div className="summary-head">
          <div>
            <h2 className="session-title">{session.title}</h2>
            <p className="muted meta-line">
              {session.specimenAccessionId ? <span className="mono">{session.specimenAccessionId}</span> : 'No specimen'} · {session.date} ·{' '}
              {MODALITY_LABELS[session.modality]}
              {optics ? ` · ${optics}` : ''}
            </p>
          </div>
          <div className="actions">
            <button type="button" className="primary small" onClick={() => fileInput.current?.click()} disabled={importing}>
              Import images
            </button>
            <input
              ref={fileInput}
              type="file"
              className="visually-hidden"
              aria-label="Image files to import"
              accept={IMPORT_ACCEPT}
              multiple
              tabIndex={-1}
              onChange={(e) => {
                const files = [...(e.target.files ?? [])];
                e.target.value = '';
                if (files.length) void startImport(session.id, files);
              }}
            />
            <button type="button" className="small" onClick={() => openEditor({ kind: 'session', id: session.id, specimenId: session.specimenId })}>
              Edit session
            </button>
            <button type="button" className="small danger-text" onClick={askDelete} disabled={busy}>
              Delete session
            </button>
          </div>
        </div>
        <dl className="props props-inline">
          <dt>Operator</dt>
          <dd>{session.operator ?? '—'}</dd>
          <dt>Microscope</dt>
          <dd>{session.microscope ?? '—'}</dd>
          <dt>Camera</dt>
          <dd>{session.camera ?? '—'}</dd>
          <dt>Pixel size</dt>
          <dd>{session.pixelSizeUm != null ? `${session.pixelSizeUm} µm` : 'unknown'}</dd>
          <TagTerms tags={session.tags} />
        </dl>
        {session.notes ? <p className="notes">{session.notes}</p> : null}
        {deleteError && !deleting ? (
          <p className="form-error" role="alert">
            {deleteError}
          </p>
        ) : null}
      </div>

      {run ? <ImportPanel run={run} /> : null}
      {session.captureCount > 0 ? (
        <section className="enhance-all" aria-label="Enhance all captures">
          <EnhanceControls
            target={`session-${session.id}`}
            label="Enhance all"
            disabledReason={session.modality === 'hologram' ? 'Holograms are reconstructed in Holography, one capture at a time.' : null}
          />
        </section>
      ) : null}

      <div className="pane-head">
        <h3>
          Captures <span className="muted">({captures.data?.length ?? session.captureCount})</span>
        </h3>
      </div>
      {captures.error ? (
        <p className="form-error" role="alert">
          {captures.error}
        </p>
      ) : null}
      {captures.data === undefined ? (
        captures.error ? null : <p className="muted pad">Loading…</p>
      ) : captures.data.length === 0 ? (
        <p className="empty">
          No captures in this session yet — bring images in with <strong>Import images</strong> (PNG, JPEG or TIFF).
        </p>
      ) : (
        <ul className="capture-grid" aria-label="Captures">
          {captures.data.map((c) => (
            <CaptureCard key={c.id} capture={c} />
          ))}
        </ul>
      )}

      {deleting?.step === 'confirm' ? (
        <ConfirmDialog
          title={`Delete session “${session.title}”?`}
          confirmLabel="Delete session"
          busy={busy}
          error={deleteError}
          onConfirm={() => void remove(false)}
          onCancel={() => setDeleting(null)}
        >
          <p>The session has no captures. Its record is removed from the catalog; this cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
      {deleting?.step === 'captures' ? (
        <ConfirmDialog
          title={`Delete session “${session.title}” and its captures?`}
          confirmLabel={`Delete session and ${deleting.count} capture${deleting.count === 1 ? '' : 's'}`}
          busy={busy}
          error={deleteError}
          onConfirm={() => void remove(true)}
          onCancel={() => setDeleting(null)}
        >
          <p>
            <strong>
              {deleting.count} capture{deleting.count === 1 ? '' : 's'} will be deleted
            </strong>{' '}
            together with their image files and derived results. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function CaptureCard(props: { capture: Capture }) {
  const c = props.capture;
  const [broken, setBroken] = useState(false);
  return (
    <li>
      <button
        type="button"
        className="capture-card"
        onClick={() => openCapture(c.id, c.sessionId, c.specimenId)}
        title={`Open ${c.originalName} in the Viewer`}
        aria-label={`Open ${c.originalName}`}
      >
        <span className="thumb">
          {broken ? (
            <span className="thumb-missing muted">No thumbnail</span>
          ) : (
            <img src={c.thumbUrl} alt={`Thumbnail of ${c.originalName}`} loading="lazy" onError={() => setBroken(true)} />
          )}
        </span>
        <span className="capture-name" title={c.originalName}>
          {c.originalName}
        </span>
        <span className="capture-meta muted">
          {c.width}×{c.height} · {c.bitDepth}-bit · {describeChannels(c.channels)}
        </span>
      </button>
    </li>
  );
}
