import { useState } from 'react';
import type { Capture, Derivative } from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { describeChannels, formatBytes, formatDateTime } from '../../lib/format';
import { openSession } from '../../lib/navigate';
import { useCall } from '../../lib/use-call';
import { useViewer } from '../../store/viewer';
import { ConfirmDialog } from '../../shell/Dialog';

/** Formats a browser can decode in an <img>; TIFF is not one of them in Chromium, whatever its bit depth. */
const BROWSER_FORMATS = new Set(['png', 'jpeg', 'jpg', 'webp', 'gif']);

export function ViewerView() {
  const captureId = useViewer((s) => s.captureId);
  const result = useCall(captureId === null ? null : `capture-${captureId}`, () => lucida().captures.get({ id: captureId as number }), ['capture']);
  if (captureId === null) {
    return (
      <div className="placeholder">
        <h2>Viewer</h2>
        <p className="empty">Open a capture from the Catalog: select a session and click a thumbnail.</p>
      </div>
    );
  }
  if (result.error) {
    return (
      <div className="placeholder">
        <p className="form-error" role="alert">
          {result.error}
        </p>
      </div>
    );
  }
  if (!result.data) return <p className="muted pad">Loading…</p>;
  return <CaptureViewer capture={result.data.capture} derivatives={result.data.derivatives} />;
}

function CaptureViewer(props: { capture: Capture; derivatives: Derivative[] }) {
  const { capture } = props;
  const open = useViewer((s) => s.open);
  const [fullFailed, setFullFailed] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const format = capture.format.toLowerCase();
  const displayable = BROWSER_FORMATS.has(format) && !fullFailed;

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

  return (
    <div className="viewer">
      <div className="viewer-stage">
        {displayable ? (
          <img className="viewer-image" src={capture.fileUrl} alt={capture.originalName} onError={() => setFullFailed(true)} />
        ) : (
          <figure className="viewer-fallback">
            <img className="viewer-image" src={capture.thumbUrl} alt={`Thumbnail of ${capture.originalName}`} />
            <figcaption className="note" role="note">
              {BROWSER_FORMATS.has(format)
                ? 'The full image could not be displayed here; showing its 8-bit thumbnail.'
                : `This ${capture.bitDepth}-bit ${capture.format.toUpperCase()} cannot be displayed by the window directly, so its 8-bit thumbnail is shown. The file in the library keeps its full bit depth; the deep-zoom viewer will show it at full resolution.`}
            </figcaption>
          </figure>
        )}
      </div>
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
          <dd>{capture.bitDepth}-bit</dd>
          <dt>Channels</dt>
          <dd>
            {capture.channels} ({describeChannels(capture.channels)})
          </dd>
          <dt>Format</dt>
          <dd>{capture.format.toUpperCase()}</dd>
          <dt>Pixel size</dt>
          <dd>{capture.pixelSizeUm != null ? `${capture.pixelSizeUm} µm` : 'unknown'}</dd>
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
          <dt>File size</dt>
          <dd>{formatBytes(capture.byteSize)}</dd>
          <dt>SHA-256</dt>
          <dd className="mono hash" title={capture.sha256}>
            {capture.sha256.slice(0, 16)}…
          </dd>
          {capture.tags.length ? (
            <>
              <dt>Tags</dt>
              <dd>{capture.tags.join(', ')}</dd>
            </>
          ) : null}
        </dl>
        {Object.keys(capture.metadata).length > 0 ? (
          <details>
            <summary>File metadata</summary>
            <pre className="metadata">{JSON.stringify(capture.metadata, null, 2)}</pre>
          </details>
        ) : null}
        <h3>Derived results</h3>
        {props.derivatives.length === 0 ? (
          <p className="muted">None yet. Enhancement arrives with the Models integration.</p>
        ) : (
          <ul className="derivatives">
            {props.derivatives.map((d) => (
              <li key={d.id}>
                <strong>{d.kind}</strong> {d.width}×{d.height} {d.dtype}
                {d.provenance ? (
                  <span className="muted">
                    {' '}
                    · {d.provenance.modelId} v{d.provenance.modelVersion} on {d.provenance.executionProvider}
                  </span>
                ) : (
                  <span className="muted"> · no provenance recorded</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </aside>
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
            The image file and {props.derivatives.length} derived result{props.derivatives.length === 1 ? '' : 's'} are removed from the library. This
            cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
