// The training dialogs' frame: the app's modal look and test ids (dialog, dialog-title,
// dialog-close), taller content scrolling inside. Escape or the backdrop closes it.
import { useEffect, type ReactNode } from 'react';

export function TrainingModal({ title, onClose, children, testid }: { title: string; onClose: () => void; children: ReactNode; testid: string }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop tall" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal wide" role="dialog" aria-modal="true" aria-labelledby="dialog-title" data-testid="dialog" data-dialog={testid}>
        <header className="modal-header">
          <h2 id="dialog-title" data-testid="dialog-title">
            {title}
          </h2>
          <button type="button" className="icon-button" aria-label="Close" data-testid="dialog-close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="modal-body scroll">{children}</div>
      </div>
    </div>
  );
}
