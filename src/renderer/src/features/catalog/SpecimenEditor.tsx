import { useState, type FormEvent } from 'react';
import { specimenInputSchema, type Specimen, type SpecimenInput } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { lucida } from '../../bridge';
import { codeOf, messageOf } from '../../lib/errors';
import { Field, fieldErrors, focusFirstInvalid } from '../../lib/Field';
import { parseTags } from '../../lib/format';
import { useCall } from '../../lib/use-call';
import { useCatalog } from '../../store/catalog';
import { Dialog, LoadingDialog } from '../../shell/Dialog';
import { FormFooter } from '../../lib/FormFooter';

interface Draft {
  accessionId: string;
  tissue: string;
  stain: string;
  preparation: string;
  notes: string;
  tags: string;
}

function draftOf(specimen?: Specimen): Draft {
  return {
    accessionId: specimen?.accessionId ?? '',
    tissue: specimen?.tissue ?? '',
    stain: specimen?.stain ?? '',
    preparation: specimen?.preparation ?? '',
    notes: specimen?.notes ?? '',
    tags: specimen?.tags.join(', ') ?? '',
  };
}

/**
 * A new specimen leaves empty fields out (unknown). An edit sends every field, an emptied one as '' so that
 * clearing a value is saved rather than ignored.
 */
function inputOf(draft: Draft, editing: boolean): SpecimenInput {
  const text = (value: string) => (value.trim() ? value.trim() : editing ? '' : undefined);
  return {
    accessionId: draft.accessionId.trim(),
    tissue: text(draft.tissue),
    stain: text(draft.stain),
    preparation: text(draft.preparation),
    notes: text(draft.notes),
    tags: parseTags(draft.tags),
  };
}

export function SpecimenEditor(props: { id: number | null }) {
  const existing = useCall(props.id === null ? null : `specimen-edit-${props.id}`, async () => {
    const all = await lucida().specimens.list({});
    const found = all.find((s) => s.id === props.id);
    if (!found) throw new AppError('not-found', 'This specimen no longer exists.');
    return found;
  });
  const close = useCatalog((s) => s.closeEditor);
  if (props.id !== null && !existing.data) {
    return <LoadingDialog title="Edit specimen" error={existing.error ? 'This specimen no longer exists.' : null} onClose={close} />;
  }
  return <SpecimenForm specimen={existing.data} onClose={close} />;
}

function SpecimenForm(props: { specimen?: Specimen; onClose: () => void }) {
  const editing = props.specimen !== undefined;
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.specimen));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const selectSpecimen = useCatalog((s) => s.selectSpecimen);

  const bind = (key: keyof Draft) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const input = inputOf(draft, editing);
    const checked = specimenInputSchema.safeParse(input);
    if (!checked.success) {
      setErrors(fieldErrors(checked.error.issues));
      setFormError(null);
      focusFirstInvalid(form);
      return;
    }
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      const saved = props.specimen
        ? await lucida().specimens.update({ id: props.specimen.id, patch: input })
        : await lucida().specimens.create(input);
      selectSpecimen(saved.id);
      props.onClose();
    } catch (error) {
      const message = messageOf(error);
      // A duplicate accession id belongs next to the field that caused it.
      if (codeOf(error) === 'conflict') {
        setErrors({ accessionId: message });
        focusFirstInvalid(form);
      } else setFormError(message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={editing ? `Edit specimen ${props.specimen?.accessionId}` : 'New specimen'} onClose={props.onClose} wide>
      <form className="form" onSubmit={submit} noValidate aria-label={editing ? 'Edit specimen' : 'New specimen'}>
        <div className="form-grid">
          <Field label="Accession id" required error={errors.accessionId} hint="Unique, e.g. S-2026-0142">
            {(a) => <input {...a} {...bind('accessionId')} autoFocus maxLength={64} autoComplete="off" />}
          </Field>
          <Field label="Tissue" error={errors.tissue}>
            {(a) => <input {...a} {...bind('tissue')} placeholder="e.g. liver" />}
          </Field>
          <Field label="Stain" error={errors.stain}>
            {(a) => <input {...a} {...bind('stain')} placeholder="e.g. H&E" />}
          </Field>
          <Field label="Preparation" error={errors.preparation}>
            {(a) => <input {...a} {...bind('preparation')} placeholder="e.g. FFPE section, 4 µm" />}
          </Field>
          <Field label="Tags" error={errors.tags} hint="Comma-separated" wide>
            {(a) => <input {...a} {...bind('tags')} />}
          </Field>
          <Field label="Notes" error={errors.notes} wide>
            {(a) => <textarea {...a} {...bind('notes')} rows={3} />}
          </Field>
        </div>
        <FormFooter formError={formError} busy={busy} submitLabel={editing ? 'Save changes' : 'Create specimen'} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
