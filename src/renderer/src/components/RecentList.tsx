// Recently opened projects (project.recent); a click opens one. The open project is marked. When
// opening fails the list is read again: the backend drops a project whose folder is gone.
import { navigate } from '../router';
import { openProject, refreshRecent } from '../session';
import { useApp } from '../store';
import { fmtDate } from '../format';

export function RecentList() {
  const recent = useApp((s) => s.recent);
  const current = useApp((s) => s.project?.dir ?? null);
  const busy = useApp((s) => s.busy['project.open'] ?? false);
  if (!recent.length)
    return (
      <p className="empty" data-testid="recent-empty">
        No recent projects yet. Create a project or open an existing project folder.
      </p>
    );
  return (
    <ul className="recent-list" data-testid="recent-list">
      {recent.map((r) => (
        <li key={r.dir}>
          <button
            type="button"
            className={`recent-item${r.dir === current ? ' current' : ''}`}
            data-testid="recent-item"
            data-dir={r.dir}
            disabled={busy}
            title={r.dir === current ? 'Open now' : `Open ${r.dir}`}
            onClick={async () => {
              if (r.dir === current) return;
              if (await openProject(r.dir)) navigate({ name: 'home' });
              else await refreshRecent();
            }}
          >
            <span className="recent-name">
              {r.name}
              {r.dir === current && <span className="badge">open</span>}
            </span>
            <span className="recent-dir mono">{r.dir}</span>
            <span className="recent-date">{fmtDate(r.openedAt)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
