// The status bar: how the renderer talks to the backend (IPC or HTTP), whether backend events
// arrive, the running job, who is annotating (click to change), the open project folder and the app version.
import { transport } from '../api';
import { openDialog, useApp, type EventsState } from '../store';

const EVENTS_LABEL: Record<EventsState, string> = {
  ipc: 'events: ipc',
  connecting: 'events: connecting…',
  connected: 'events: connected',
  disconnected: 'events: disconnected — retrying',
};

export function StatusBar() {
  const events = useApp((s) => s.events);
  const version = useApp((s) => s.version);
  const project = useApp((s) => s.project);
  const jobs = useApp((s) => s.jobs);
  const progress = useApp((s) => s.progress);
  const annotator = useApp((s) => s.annotator);
  const running = jobs.find((j) => j.status === 'running');
  const p = running ? progress[running.id] : undefined;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className="status-item" data-testid="status-transport" title="How the UI talks to the backend">
        {transport === 'ipc' ? 'IPC' : 'HTTP'}
      </span>
      <span className={`status-item events-${events}`} data-testid="status-events" data-state={events}>
        <span className="dot" aria-hidden />
        {EVENTS_LABEL[events]}
      </span>
      {running && (
        <span className="status-item" data-testid="status-job">
          {running.kind} #{running.id}: {p?.stage ?? running.stage ?? 'running'}
          {p && p.total > 0 ? ` ${Math.round((100 * p.done) / p.total)}%` : ''}
        </span>
      )}
      <span className="status-spacer" />
      <button
        type="button"
        className="status-item status-button"
        data-testid="status-annotator"
        title="Who is annotating: your labels are stored under this name (click to change)"
        onClick={() => openDialog({ kind: 'annotator' })}
      >
        {annotator ? `annotator: ${annotator}` : 'annotator: not set'}
      </button>
      {project && (
        <span className="status-item mono" title={project.dir}>
          {project.dir}
        </span>
      )}
      <span className="status-item" data-testid="status-version">
        {version ? `v${version}` : '…'}
      </span>
    </footer>
  );
}
