// The contract handlers of training and the dashboard (src/shared/training-contract.ts), over the
// backend's open project. Also keeps each job's log in the project (run_logs) by listening to the
// backend's own job.log events, so the log of a run is there after a reload or a restart.
import type { Handlers } from '../../shared/dispatch';
import type { Backend } from '../app/backend';
import type { Project } from '../store/project';
import { availableEvaluations, evaluationPoints, evaluationTable } from './evaluations';
import { defaultFeatureModelId } from './feature-default';
import { deleteModelChecked, getReviewModel, modelDetails, renameModelChecked, setReviewModel } from './models';
import { RunLogWriter, runEpochs, runLog, startResume } from './runs';

type TrainingMethod =
  | 'models.list'
  | 'models.rename'
  | 'models.delete'
  | 'models.reviewModel'
  | 'models.setReviewModel'
  | 'models.featureDefault'
  | 'runs.epochs'
  | 'runs.log'
  | 'runs.resume'
  | 'evaluations.table'
  | 'evaluations.points';

/** Persists job.log events into the open project's run_logs; a write that fails never disturbs the job. */
function keepLogs(backend: Backend): void {
  let writer: { project: Project; w: RunLogWriter } | null = null;
  backend.subscribe((msg) => {
    if (msg.event !== 'job.log') return;
    const project = backend.currentProject;
    if (!project) return;
    if (writer?.project !== project) writer = { project, w: new RunLogWriter(project.db) };
    const p = msg.payload as { jobId: number; level: 'info' | 'warn' | 'error'; line: string };
    try {
      writer.w.append(p.jobId, p.level, p.line);
    } catch {
      /* a log line that cannot be stored (e.g. the run row belongs to another project) is dropped */
    }
  });
}

export function trainingHandlers(backend: Backend): Pick<Handlers, TrainingMethod> {
  keepLogs(backend);
  const db = () => backend.requireProject().db;
  // Model changes reach every window through project.changed (renderers reload project.info).
  const changed = () => {
    const p = backend.currentProject;
    if (p) backend.emit('project.changed', { project: p.summary() });
  };
  return {
    'models.list': () => modelDetails(db()),
    'models.rename': ({ modelId, name }) => {
      const d = renameModelChecked(db(), modelId, name);
      changed();
      return d;
    },
    'models.delete': ({ modelId }) => {
      const r = deleteModelChecked(db(), backend.requireProject().dir, modelId);
      changed();
      return r;
    },
    'models.reviewModel': () => ({ modelId: getReviewModel(db()) }),
    'models.setReviewModel': ({ modelId }) => {
      const r = { modelId: setReviewModel(db(), modelId) };
      changed();
      return r;
    },
    'models.featureDefault': () => ({ modelId: defaultFeatureModelId(db(), backend.requireProject().dir) }),
    'runs.epochs': ({ jobId }) => runEpochs(db(), jobId),
    'runs.log': ({ jobId, after, limit }) => ({ lines: runLog(db(), jobId, after, limit) }),
    'runs.resume': ({ jobId }) => ({ jobId: startResume(db(), (kind, params) => backend.jobs.start(kind, params), jobId) }),
    'evaluations.table': ({ dataset, split }) => ({
      dataset,
      split,
      rows: evaluationTable(db(), dataset, split),
      available: availableEvaluations(db()),
    }),
    'evaluations.points': ({ evaluationId }) => evaluationPoints(db(), evaluationId),
  };
}
