// "Who is annotating?": the annotator's name, asked once per machine before the first label is
// written (and from File → Annotator name…). Every label this browser writes is stored as this
// annotator's own layer; another annotator's labels are never overwritten.
import { useState, type FormEvent } from 'react';
import { checkAnnotatorName, MAX_ANNOTATOR_NAME, setAnnotatorName } from '../session';
import { closeDialog, useApp } from '../store';

export function AnnotatorForm() {
  const current = useApp((s) => s.annotator);
  const [name, setName] = useState(current ?? '');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const c = checkAnnotatorName(name);
    if (!c.ok) {
      setError(c.message);
      return;
    }
    setAnnotatorName(c.name);
    closeDialog();
  };
  return (
    <form className="form" onSubmit={submit} data-testid="annotator-form">
      <p className="muted">
        Your labels are stored under this name, as your own layer: other annotators&apos; labels are never overwritten, and undo
        undoes only yours. This computer remembers it; change it in File → Annotator name….
      </p>
      <label className="field">
        <span className="field-label">Annotator name</span>
        <input
          className="input"
          data-testid="annotator-name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
          placeholder="e.g. your initials"
          maxLength={MAX_ANNOTATOR_NAME}
          spellCheck={false}
          autoFocus
        />
      </label>
      {error && (
        <p className="callout error" role="alert" data-testid="annotator-error">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={closeDialog}>
          Cancel
        </button>
        <button type="submit" className="button primary" data-testid="annotator-save">
          {current ? 'Change' : 'Start annotating'}
        </button>
      </div>
    </form>
  );
}
