// Backend and command errors, shown until dismissed: the user sees every failure and its message.
import { dismissError, useApp } from '../store';

export function ErrorBanner() {
  const errors = useApp((s) => s.errors);
  if (!errors.length) return null;
  return (
    <div className="error-stack" aria-live="assertive">
      {errors.map((n) => (
        <div className="error-banner" role="alert" key={n.id} data-testid="error-banner" data-code={n.code}>
          <span className="error-icon" aria-hidden>
            !
          </span>
          <span className="error-message" data-testid="error-message">
            {n.message}
          </span>
          <button type="button" className="icon-button" aria-label="Dismiss" data-testid="error-dismiss" onClick={() => dismissError(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
