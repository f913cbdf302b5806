import { useState, type FormEvent } from 'react';
import { MODALITIES, sessionInputSchema, type Modality, type Session, type SessionInput } from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';
import { Field, fieldErrors, focusFirstInvalid } from '../../lib/Field';
import { MODALITY_LABELS, parseTags, todayIso } from '../../lib/format';
import { useCall } from '../../lib/use-call';
import { useCatalog } from '../../store/catalog';
import { Dialog, LoadingDialog } from '../../shell/Dialog';
import { FormFooter } from '../../lib/FormFooter';

interface Draft {
  title: string;
  date: string;
  operator: string;
  microscope: string;
  objectiveMagnification: string;
  numericalAperture: string;
  camera: string;
  pixelSizeUm: string;
  modality: Modality;
  notes: string;
  tags: string;
}

const numberText = (value: number | null | undefined) => (value == null ? '' : String(value));

function draftOf(session?: Session): Draft {
  return {
    title: session?.title ?? '',
    date: session?.date ?? todayIso(),
    operator: session?.operator ?? '',
    microscope: session?.microscope ?? '',
    objectiveMagnification: numberText(session?.objectiveMagnification),
    numericalAperture: numberText(session?.numericalAperture),
    camera: session?.camera ?? '',
    pixelSizeUm: numberText(session?.pixelSizeUm),
    modality: session?.modality ?? 'bright-field',
    notes: session?.notes ?? '',
    tags: session?.tags.join(', ') ?? '',
  };
}

const NUMBER_FIELDS = ['objectiveMagnification', 'numericalAperture', 'pixelSizeUm'] as const;

/** Reads the draft into a call input; numbers that do not parse are reported per field, never sent as 0. */
function inputOf(draft: Draft, specimenId: number | null, editing: boolean): { input: SessionInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const text = (value: string) => (value.trim() ? value.trim() : editing ? '' : undefined);
  const numbers: Partial<Record<(typeof NUMBER_FIELDS)[number], number>> = {};
  for (const key of NUMBER_FIELDS) {
    const raw = draft[key].trim().replace(',', '.');
    if (!raw) continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) errors[key] = 'Enter a number, e.g. 0.75.';
    else numbers[key] = value;
  }
  const input: SessionInput = {
    title: draft.title.trim(),
    date: draft.date.trim(),
    operator: text(draft.operator),
    microscope: text(draft.microscope),
    camera: text(draft.camera),
    modality: draft.modality,
    notes: text(draft.notes),
    tags: parseTags(draft.tags),
    ...numbers,
  };
  if (!editing) input.specimenId = specimenId;
  return { input, errors };
}

export function SessionEditor(props: { id: number | null; specimenId: number | null }) {
  const close = useCatalog((s) => s.closeEditor);
  const existing = useCall(props.id === null ? null : `session-edit-${props.id}`, () => lucida().sessions.get({ id: props.id as number }));
  if (props.id !== null && !existing.data) {
    return <LoadingDialog title="Edit session" error={existing.error} onClose={close} />;
  }
  return <SessionForm session={existing.data} specimenId={props.specimenId} onClose={close} />;
}

function SessionForm(props: { session?: Session; specimenId: number | null; onClose: () => void }) {
  const editing = props.session !== undefined;
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.session));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const selectSession = useCatalog((s) => s.selectSession);

  const bind = (key: Exclude<keyof Draft, 'modality'>) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const { input, errors: numberErrors } = inputOf(draft, props.specimenId, editing);
    const checked = sessionInputSchema.safeParse(input);
    const all = { ...(checked.success ? {} : fieldErrors(checked.error.issues)), ...numberErrors };
    setErrors(all);
    setFormError(null);
    if (Object.keys(all).length > 0) {
      focusFirstInvalid(form);
      return;
    }
    setBusy(true);
    try {
      const saved = props.session
        ? await lucida().sessions.update({ id: props.session.id, patch: input })
        : await lucida().sessions.create(input);
      selectSession(saved.id, saved.specimenId);
      props.onClose();
    } catch (error) {
      setFormError(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={editing ? `Edit session ${props.session?.title}` : 'New session'} onClose={props.onClose} wide>
      <form className="form" onSubmit={submit} noValidate aria-label={editing ? 'Edit session' : 'New session'}>
        <div className="form-grid">
          <Field label="Title" required error={errors.title} wide>
            {(a) => <input {...a} {...bind('title')} autoFocus maxLength={200} autoComplete="off" />}
          </Field>
          <Field label="Date" required error={errors.date}>
            {(a) => <input {...a} {...bind('date')} type="date" />}
          </Field>
          <Field label="Modality" error={errors.modality}>
            {(a) => (
              <select {...a} value={draft.modality} onChange={(e) => setDraft((d) => ({ ...d, modality: e.target.value as Modality }))}>
                {MODALITIES.map((m) => (
                  <option key={m} value={m}>
                    {MODALITY_LABELS[m]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Operator" error={errors.operator}>
            {(a) => <input {...a} {...bind('operator')} />}
          </Field>
          <Field label="Microscope" error={errors.microscope}>
            {(a) => <input {...a} {...bind('microscope')} />}
          </Field>
          <Field label="Objective magnification (×)" error={errors.objectiveMagnification}>
            {(a) => <input {...a} {...bind('objectiveMagnification')} inputMode="decimal" placeholder="e.g. 20" />}
          </Field>
          <Field label="Numerical aperture (NA)" error={errors.numericalAperture}>
            {(a) => <input {...a} {...bind('numericalAperture')} inputMode="decimal" placeholder="e.g. 0.75" />}
          </Field>
          <Field label="Camera" error={errors.camera}>
            {(a) => <input {...a} {...bind('camera')} />}
          </Field>
          <Field label="Pixel size (µm)" error={errors.pixelSizeUm} hint="At the sample plane">
            {(a) => <input {...a} {...bind('pixelSizeUm')} inputMode="decimal" placeholder="e.g. 0.345" />}
          </Field>
          <Field label="Tags" error={errors.tags} hint="Comma-separated" wide>
            {(a) => <input {...a} {...bind('tags')} />}
          </Field>
          <Field label="Notes" error={errors.notes} wide>
            {(a) => <textarea {...a} {...bind('notes')} rows={3} />}
          </Field>
        </div>
        {NUMBER_FIELDS.some((k) => props.session?.[k] != null && !draft[k].trim()) ? (
          <p className="hint">A cleared number keeps its previous value; the host has no way yet to mark a saved number unknown.</p>
        ) : null}
        <FormFooter formError={formError} busy={busy} submitLabel={editing ? 'Save changes' : 'Create session'} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
