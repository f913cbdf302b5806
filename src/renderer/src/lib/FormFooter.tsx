/** The end of an editor form: its error (if any), Cancel, and the submit button that says what it will do. */
export function FormFooter(props: { formError: string | null; busy: boolean; submitLabel: string; onCancel: () => void }) {
  return (
    <>
      {props.formError ? (
        <p className="form-error" role="alert">
          {props.formError}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={props.busy}>
          {props.busy ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </>
  );
}
