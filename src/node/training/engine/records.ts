// Per-frame model records (the soft-label layout) for any model: stored soft labels where they
// exist, else inference with the model (stored afterwards, since a model's output on a frame never
// changes); ensembles average their members' probabilities.
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS } from '../../../shared/labels';
import { decodeSoftLabel, encodeSoftLabel } from '../../store/softlabels';
import { getModel, type ModelRow } from '../../store/models';
import type { SampleSet } from '../../../shared/samples';
import { loadModel, disposeNet } from '../../../ml/models';
import { predictSamples } from '../../../ml/train/trainer';
import { modelDir, type EngineHooks, type EngineSession } from './context';

const STORE_BATCH = 2000;

/** Stored records of a model for the frames of `s` (Map frameId → record). */
export function storedRecords(sess: EngineSession, modelId: number, frameIds: ArrayLike<number>): Map<number, Float32Array> {
  const stmt = sess.project.db.prepare('SELECT data FROM soft_labels WHERE model_id = ? AND frame_id = ?').pluck();
  const out = new Map<number, Float32Array>();
  for (let i = 0; i < frameIds.length; i++) {
    const b = stmt.get(modelId, frameIds[i]) as Buffer | undefined;
    if (b) out.set(frameIds[i], decodeSoftLabel(b));
  }
  return out;
}

export function storeRecords(sess: EngineSession, modelId: number, frameIds: ArrayLike<number>, records: Float32Array): void {
  const db = sess.project.db;
  const put = db.prepare('INSERT OR REPLACE INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
  // Short transactions so interactive edits in the app are never blocked for long.
  for (let i = 0; i < frameIds.length; i += STORE_BATCH) {
    db.transaction(() => {
      for (let k = i; k < Math.min(frameIds.length, i + STORE_BATCH); k++) {
        put.run(modelId, frameIds[k], encodeSoftLabel(records.subarray(k * SOFT_LABEL_WIDTH, (k + 1) * SOFT_LABEL_WIDTH)));
      }
    })();
  }
}

/** Mean probabilities of several models' records, re-expressed as logits (see softlabels.ts). */
export function ensembleRecords(members: Float32Array[]): Float32Array {
  const n = members[0].length / SOFT_LABEL_WIDTH;
  const out = new Float32Array(n * SOFT_LABEL_WIDTH);
  const eps = 1e-7;
  for (let i = 0; i < n; i++) {
    const o = i * SOFT_LABEL_WIDTH;
    for (let k = 0; k < NUM_AUS; k++) {
      let p = 0;
      for (const m of members) p += 1 / (1 + Math.exp(-m[o + k]));
      p = Math.min(1 - eps, Math.max(eps, p / members.length));
      out[o + k] = Math.log(p / (1 - p));
    }
    for (const [off, w] of [
      [NUM_AUS, NUM_EXPR],
      [NUM_AUS + NUM_EXPR, VA_BINS],
      [NUM_AUS + NUM_EXPR + VA_BINS, VA_BINS],
    ] as const) {
      const mean = new Float64Array(w);
      for (const m of members) {
        let mx = -Infinity;
        for (let k = 0; k < w; k++) mx = Math.max(mx, m[o + off + k]);
        let s = 0;
        for (let k = 0; k < w; k++) s += Math.exp(m[o + off + k] - mx);
        for (let k = 0; k < w; k++) mean[k] += Math.exp(m[o + off + k] - mx) / s / members.length;
      }
      for (let k = 0; k < w; k++) out[o + off + k] = Math.log(Math.max(eps, mean[k]));
    }
  }
  return out;
}

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
  // CNN-RNN teachers and students predict whole sequences from cached CNN features.
  if (m.arch === 'cnn-rnn') return (await import('./rnn-pipeline')).rnnRecordsFor(sess, m, s, hooks, store);
  const have = storedRecords(sess, m.id, ids);
  const out = new Float32Array(s.n * SOFT_LABEL_WIDTH);
  const missingRows: number[] = [];
  for (let i = 0; i < s.n; i++) {
    const r = have.get(ids[i]);
    if (r) out.set(r, i * SOFT_LABEL_WIDTH);
    else missingRows.push(i);
  }
  if (missingRows.length === 0) return out;
  if (m.status !== 'ready') throw new Error(`model ${m.id} (${m.name}) is not ready (status ${m.status})`);
  const { net } = await loadModel(modelDir(sess.project, m.id));
  try {
    const sub: SampleSet = {
      ...s,
      n: missingRows.length,
      frameId: Int32Array.from(missingRows, (i) => s.frameId[i]),
    };
    const rec = await predictSamples(net, sess.crops, sub, 64, async (done) => {
      hooks.progress(done, missingRows.length, `predicting with ${m.name}`);
      await hooks.checkpoint();
    });
    missingRows.forEach((row, k) => out.set(rec.subarray(k * SOFT_LABEL_WIDTH, (k + 1) * SOFT_LABEL_WIDTH), row * SOFT_LABEL_WIDTH));
    if (store) storeRecords(sess, m.id, sub.frameId, rec);
  } finally {
    disposeNet(net);
  }
  return out;
}
