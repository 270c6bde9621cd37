// The learning core's AlgorithmStore (src/ml/algorithm.ts) kept in a project: model folders under
// models/<id>, status and thresholds in the models table, learning curves in run_epochs (per job),
// records from stored soft labels or inference (./records.ts).
import type { AlgorithmHooks, AlgorithmStore } from '../../../ml/algorithm';
import { getModel, setModelStatus } from '../../store/models';
import { modelDir, type EngineHooks, type EngineSession } from './context';
import { recordsFor } from './records';

export function projectStore(sess: EngineSession, job: EngineHooks): AlgorithmStore {
  const db = sess.project.db;
  const putEpoch = db.prepare('INSERT OR REPLACE INTO run_epochs(run_id, epoch, metrics, at) VALUES (?, ?, ?, ?)');
  return {
    modelDir: (id) => modelDir(sess.project, id),
    setReady: (id, thresholds) => setModelStatus(db, id, 'ready', thresholds),
    recordEpoch(_modelId, step, metrics) {
      if (job.runId) putEpoch.run(job.runId, step, JSON.stringify(metrics), new Date().toISOString());
    },
    records(id, s, hooks: AlgorithmHooks) {
      const m = getModel(db, id);
      if (!m) throw new Error(`model ${id} is missing`);
      return recordsFor(sess, m, s, { ...hooks, runId: job.runId });
    },
  };
}
