import { useId, type ReactNode } from 'react';

/** A labelled form control with its error tied to it, so screen readers and tests find both by the label. */
export function Field(props: {
  label: string;
  error?: string;
  hint?: string;
  required?: boolean;
  wide?: boolean;
  children: (control: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string; required?: boolean }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = props.error ? errorId : props.hint ? hintId : undefined;
  return (
    <div className={props.wide ? 'field field-wide' : 'field'}>
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span className="required" aria-hidden="true"> *</span> : null}
      </label>
      {props.children({ id, 'aria-invalid': Boolean(props.error), 'aria-describedby': describedBy, required: props.required })}
      {props.hint && !props.error ? (
        <span id={hintId} className="hint">
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span id={errorId} className="field-error">
          {props.error}
        </span>
      ) : null}
    </div>
  );
}

/** Turns zod issues into one message per top-level field (the first issue wins). */
export function fieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const key = String(issue.path[0] ?? '_');
    errors[key] ??= issue.message;
  }
  return errors;
}

/** After a refused submit, put the cursor where the first problem is, so it is read out and can be fixed. */
export function focusFirstInvalid(form: HTMLFormElement): void {
  requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
