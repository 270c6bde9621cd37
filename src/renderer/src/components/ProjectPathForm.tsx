// The New project / Open project form: a folder path typed by the user (browser mode has no native
// folder chooser), or picked with Browse… where the backend has one (Electron). Used inline on the
// home screen and inside the File-menu dialogs; `idPrefix` keeps their test ids apart.
import { useState, type FormEvent } from 'react';
import { transport } from '../api';
import { navigate } from '../router';
import { chooseFolder, createProject, openProject } from '../session';
import { useApp } from '../store';

export interface ProjectPathFormProps {
  mode: 'new' | 'open';
  /** Test id prefix: "new-project" gives new-project-path, new-project-name, new-project-submit. */
  idPrefix: string;
  initialPath?: string;
  autoFocus?: boolean;
  onDone?: () => void;
  onCancel?: () => void;
}

function baseName(p: string): string {
  const parts = p.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

export function ProjectPathForm({ mode, idPrefix, initialPath, autoFocus, onDone, onCancel }: ProjectPathFormProps) {
  const [path, setPath] = useState(initialPath ?? '');
  const [name, setName] = useState('');
  const busy = useApp((s) => s.busy[mode === 'new' ? 'project.create' : 'project.open'] ?? false);
  const trimmed = path.trim();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed || busy) return;
    const ok = mode === 'new' ? await createProject(trimmed, name.trim() || undefined) : await openProject(trimmed);
    if (ok) {
      navigate({ name: 'home' });
      onDone?.();
    }
  };

  const browse = async () => {
    const r = await chooseFolder(mode === 'new' ? 'Folder for the new project' : 'Open project folder');
    if (r?.path) setPath(r.path);
  };

  return (
    <form className="form" onSubmit={submit} data-testid={`${idPrefix}-form`}>
      <label className="field">
        <span className="field-label">{mode === 'new' ? 'Project folder (created if missing)' : 'Project folder'}</span>
        <span className="field-row">
          <input
            className="input mono"
            data-testid={`${idPrefix}-path`}
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder={mode === 'new' ? '/home/me/projects/affwild2-study' : 'folder that holds project.sqlite'}
            spellCheck={false}
            autoFocus={autoFocus}
            required
          />
          {transport === 'ipc' && (
            <button type="button" className="button" onClick={browse}>
              Browse…
            </button>
          )}
        </span>
      </label>
      {mode === 'new' && (
        <label className="field">
          <span className="field-label">Name (optional)</span>
          <input
            className="input"
            data-testid={`${idPrefix}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={baseName(trimmed) || 'defaults to the folder name'}
            maxLength={200}
          />
        </label>
      )}
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button primary" data-testid={`${idPrefix}-submit`} disabled={!trimmed || busy}>
          {busy ? (mode === 'new' ? 'Creating…' : 'Opening…') : mode === 'new' ? 'Create project' : 'Open project'}
        </button>
      </div>
    </form>
  );
}
