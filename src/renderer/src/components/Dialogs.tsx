// The modal dialogs: New/Open project (browser mode), Import… and Export… (src/renderer/src/data),
// the annotator's name,
// "not built yet", keyboard shortcuts, about.
// One dialog at a time, from the store; Escape or the backdrop closes it.
import { useEffect, type ReactNode } from 'react';
import { APP_MENU, type MenuItemSpec } from '../../../shared/menu';
import { transport } from '../api';
import { formatAccelerator } from '../accelerators';
import { closeDialog, useApp, type DialogState } from '../store';
import { ProjectPathForm } from './ProjectPathForm';
import { AnnotatorForm } from './AnnotatorForm';
import { ExportDialog } from '../data/ExportDialog';
import { ImportDialog } from '../data/ImportDialog';
import '../data/data.css';

function Modal({ title, children, wide }: { title: string; children: ReactNode; wide?: boolean }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && closeDialog();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && closeDialog()}>
      <div className={`modal${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby="dialog-title" data-testid="dialog">
        <header className="modal-header">
          <h2 id="dialog-title" data-testid="dialog-title">
            {title}
          </h2>
          <button type="button" className="icon-button" aria-label="Close" data-testid="dialog-close" onClick={closeDialog}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}

function Shortcuts() {
  const rows = APP_MENU.flatMap((m) =>
    m.items.filter((i): i is MenuItemSpec => i !== 'separator' && !!i.accelerator).map((i) => ({ menu: m.label, ...i })),
  );
  return (
    <table className="table compact" data-testid="shortcuts-table">
      <tbody>
        {rows.map((r) => (
          <tr key={r.command}>
            <td>
              <kbd>{formatAccelerator(r.accelerator!)}</kbd>
            </td>
            <td>
              {r.menu} → {r.label}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function body(d: DialogState, version: string | null): { title: string; wide?: boolean; content: ReactNode } {
  switch (d.kind) {
    case 'new-project':
      return {
        title: 'New project',
        content: <ProjectPathForm mode="new" idPrefix="new-project" initialPath={d.path} autoFocus onDone={closeDialog} onCancel={closeDialog} />,
      };
    case 'open-project':
      return {
        title: 'Open project',
        content: <ProjectPathForm mode="open" idPrefix="open-project" initialPath={d.path} autoFocus onDone={closeDialog} onCancel={closeDialog} />,
      };
    case 'not-yet':
      return {
        title: d.title,
        content: (
          <div data-testid="not-yet">
            <p>{d.body}</p>
            <p>
              It comes with <strong data-testid="not-yet-issue">{d.comesWith}</strong>
              {d.cli ? (
                <>
                  , which also brings <code>{d.cli}</code> to the command line
                </>
              ) : null}
              .
            </p>
            <div className="form-actions">
              <button type="button" className="button primary" onClick={closeDialog} autoFocus>
                OK
              </button>
            </div>
          </div>
        ),
      };
    case 'shortcuts':
      return { title: 'Keyboard shortcuts', content: <Shortcuts /> };
    case 'import':
      return { title: 'Import a dataset', wide: true, content: <ImportDialog /> };
    case 'export':
      return { title: 'Export labels', wide: true, content: <ExportDialog /> };
    case 'annotator':
      return { title: 'Who is annotating?', content: <AnnotatorForm /> };
    case 'about':
      return {
        title: 'About Affect Workbench',
        content: (
          <div data-testid="about">
            <p>
              <strong>Affect Workbench</strong> {version ? `v${version}` : ''}
            </p>
            <p className="muted">
              Frame-exact affect labelling (action units, expressions, valence/arousal) and multitask teacher/student models
              trained from partial labels (Deng, Chen &amp; Shi, ABAW 2020).
            </p>
            <p className="muted">Connected over {transport === 'ipc' ? 'Electron IPC' : 'HTTP (browser mode)'}.</p>
          </div>
        ),
      };
  }
}

export function DialogHost() {
  const dialog = useApp((s) => s.dialog);
  const version = useApp((s) => s.version);
  if (!dialog) return null;
  const b = body(dialog, version);
  return (
    <Modal title={b.title} wide={b.wide}>
      {b.content}
    </Modal>
  );
}
