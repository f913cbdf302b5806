import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal built on the native <dialog>: the browser traps focus, closes on Escape and renders it above
 * everything, so the app does not reimplement any of that.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean; role?: 'dialog' | 'alertdialog' }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(props.onClose);
  useEffect(() => {
    onCloseRef.current = props.onClose;
  });
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
    };
  }, []);
  return (
    <dialog ref={ref} className={props.wide ? 'dialog dialog-wide' : 'dialog'} aria-labelledby={titleId} role={props.role}>
      <h2 id={titleId} className="dialog-title">
        {props.title}
      </h2>
      {props.children}
    </dialog>
  );
}

/** The dialog an editor shows while the record it edits loads, or the reason it could not be loaded. */
export function LoadingDialog(props: { title: string; error: string | null | undefined; onClose: () => void }) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      {props.error ? (
        <p className="form-error" role="alert">
          {props.error}
        </p>
      ) : (
        <p className="muted">Loading…</p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  /** False when the action cannot succeed as things stand; the dialog then only explains. */
  canConfirm?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog title={props.title} onClose={props.onCancel} role="alertdialog">
      <div className="dialog-body">{props.children}</div>
      {props.error ? (
        <p className="form-error" role="alert">
          {props.error}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel} autoFocus>
          {props.canConfirm === false ? 'Close' : 'Cancel'}
        </button>
        {props.canConfirm === false ? null : (
          <button type="button" className="danger" onClick={props.onConfirm} disabled={props.busy}>
            {props.busy ? 'Deleting…' : props.confirmLabel}
          </button>
        )}
      </div>
    </Dialog>
  );
}
