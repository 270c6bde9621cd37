// Placeholder for training (later issues): the compute backend check and the project's job list.
import { ProbePanel } from '../components/ProbePanel';
import { JobTable } from '../components/JobTable';
import { useApp } from '../store';

export function TrainingScreen() {
  const hasProject = useApp((s) => s.project !== null);
  return (
    <div className="stack">
      <ProbePanel />
      <section className="panel">
        <h2 className="panel-title">Jobs</h2>
        {hasProject ? <JobTable /> : <p className="empty">Jobs belong to a project: open or create one to see them.</p>}
      </section>
      <p className="callout">
        Teacher and student training, soft-label generation and evaluation come with the training issues; they will run here as jobs with live
        progress and per-epoch metrics.
      </p>
    </div>
  );
}
