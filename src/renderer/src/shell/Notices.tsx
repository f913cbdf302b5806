import { useConnection } from '../store/connection';
import { useShell } from '../store/shell';

export function ConnectionBanner() {
  const status = useConnection((s) => s.status);
  const attempt = useConnection((s) => s.attempt);
  if (status === 'open') return null;
  const text =
    status === 'connecting' && attempt === 0
      ? 'Connecting to the Lucida host…'
      : 'Lost the connection to the Lucida host — reconnecting. Changes made now are not saved until it is back.';
  return (
    <div className="banner" role="status" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      {text}
    </div>
  );
}

export function Notices() {
  const notices = useShell((s) => s.notices);
  const dismiss = useShell((s) => s.dismiss);
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <div key={notice.id} className="notice" role="alert">
          <span>{notice.message}</span>
          <button type="button" className="ghost" aria-label="Dismiss message" onClick={() => dismiss(notice.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
