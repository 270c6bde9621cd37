// Training: start jobs (the Training menu's dialogs), watch them (queue, progress with ETA and
// throughput, live loss curves, per-epoch validation, log, cancel/resume) and compare what they
// produced (Table 2, breakdowns, the models). Jobs run in the worker process: this screen only
// shows them, so closing or reloading the window does not stop a run.
import { ProbePanel } from '../components/ProbePanel';
import { Dashboard } from '../dashboard/Dashboard';
import { runCommand } from '../commands';
import { useApp } from '../store';
import { JobsPanel } from '../training/JobsPanel';
import { TrainingDialogs } from '../training/TrainingDialogs';
import { showTab, useTrainingUi, type TrainingTab } from '../training/ui-state';
import '../training/training.css';

const ACTIONS: { command: string; label: string }[] = [
  { command: 'train.teacher', label: 'Train teacher…' },
  { command: 'train.softLabels', label: 'Generate soft labels…' },
  { command: 'train.students', label: 'Train students…' },
  { command: 'train.evaluate', label: 'Evaluate…' },
];

const TABS: { tab: TrainingTab; label: string }[] = [
  { tab: 'jobs', label: 'Jobs' },
  { tab: 'results', label: 'Results and models' },
];

export function TrainingScreen() {
  const hasProject = useApp((s) => s.project !== null);
  const tab = useTrainingUi((s) => s.tab);
  return (
    <div className="stack">
      <div className="training-bar">
        <div className="subtabs" role="tablist">
          {TABS.map((t) => (
            <button
              key={t.tab}
              type="button"
              role="tab"
              aria-selected={tab === t.tab}
              className={`subtab${tab === t.tab ? ' active' : ''}`}
              data-testid={`training-tab-${t.tab}`}
              onClick={() => showTab(t.tab)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <div className="toolbar">
          {ACTIONS.map((a) => (
            <button key={a.command} type="button" className="button" data-testid={`action-${a.command}`} disabled={!hasProject} onClick={() => runCommand(a.command)}>
              {a.label}
            </button>
          ))}
        </div>
      </div>
      {!hasProject ? (
        <>
          <p className="empty panel">Jobs and models belong to a project: open or create one to train and see them.</p>
          <ProbePanel />
        </>
      ) : tab === 'jobs' ? (
        <>
          <JobsPanel />
          <ProbePanel />
        </>
      ) : (
        <Dashboard />
      )}
      <TrainingDialogs />
    </div>
  );
}
