// Per-frame model records (the soft-label layout) for any model: stored soft labels where they
// exist, else inference with the model (stored afterwards, since a model's output on a frame never
// changes); ensembles average their members' probabilities. Inference is the architecture's
// (./archs.ts: the CNN from face crops, the CNN-RNN from cached CNN features over whole media).
import { SOFT_LABEL_WIDTH } from '../../../shared/labels';
import { ensembleRecords } from '../../../shared/softlabels';
import { getSoftLabels, putSoftLabels } from '../../store/softlabels';
import { getModel, type ModelRow } from '../../store/models';
import type { SampleSet } from '../../../shared/samples';
import type { EngineHooks, EngineSession } from './context';
import { engineArch } from './archs';

/** Records of model `m` for every frame of `s`, in row order; computes (and stores) what is missing. */
export async function recordsFor(sess: EngineSession, m: ModelRow, s: SampleSet, hooks: EngineHooks, store = true): Promise<Float32Array> {
  const ids = s.frameId.subarray(0, s.n);
  if (m.kind === 'ensemble') {
    const members = (m.members ?? []).map((id) => {
      const mm = getModel(sess.project.db, id);
      if (!mm) throw new Error(`ensemble ${m.id}: member model ${id} is missing`);
      return mm;
    });
    const parts: Float32Array[] = [];
    for (const mm of members) parts.push(await recordsFor(sess, mm, s, hooks, store));
    return ensembleRecords(parts);
  }
  const have = getSoftLabels(sess.project.db, m.id, ids);
  const out = new Float32Array(s.n * SOFT_LABEL_WIDTH);
  const missingRows: number[] = [];
  for (let i = 0; i < s.n; i++) {
    const r = have.get(ids[i]);
    if (r) out.set(r, i * SOFT_LABEL_WIDTH);
    else missingRows.push(i);
  }
  if (missingRows.length === 0) return out;
  if (m.status !== 'ready') throw new Error(`model ${m.id} (${m.name}) is not ready (status ${m.status})`);
  const rec = await engineArch(m.arch).predict(sess, m, s, missingRows, hooks);
  missingRows.forEach((row, k) => out.set(rec.subarray(k * SOFT_LABEL_WIDTH, (k + 1) * SOFT_LABEL_WIDTH), row * SOFT_LABEL_WIDTH));
  if (store) putSoftLabels(sess.project.db, m.id, Int32Array.from(missingRows, (i) => ids[i]), rec);
  return out;
}
