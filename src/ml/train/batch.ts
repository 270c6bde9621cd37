// Turning sample rows into target tensors, and model outputs into per-frame records.
import { tf } from '../backend';
import type { BatchTargets, HeadOutputs } from '../losses';
import type { SampleSet } from '../../shared/samples';
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS, flipAuIndex, mirrorAus, type Task } from '../../shared/labels';

/**
 * Targets and masks of the given sample rows. With `tasks` (one per row: the task whose pool drew
 * it, EpochItem.task) a row carries only that task's label, as the paper trains "each instance by
 * the ground truth label of its corresponding task": a frame drawn by ML-ROS for its AUs does not
 * bring its expression or VA label past the expression/VA balancing. Without `tasks`, every label
 * the frame has (the sequence windows of ../rnn). Masks mark which. A negative row is a padded step
 * (sequence windows): it carries no label. With `mirrored`, row i (when true) shows the mirrored face:
 * its AU labels go through the mirror rule (src/shared/labels.ts flipAuIndex); expression and VA
 * are the same.
 */
export function targetsOf(s: SampleSet, rows: readonly number[], tasks?: readonly Task[], mirrored?: readonly boolean[]): BatchTargets {
  if (tasks && tasks.length !== rows.length) throw new Error(`targetsOf: ${rows.length} rows but ${tasks.length} tasks`);
  const B = rows.length;
  const au = new Float32Array(B * NUM_AUS);
  const auMask = new Float32Array(B * NUM_AUS);
  const expr = new Int32Array(B);
  const exprMask = new Float32Array(B);
  const v = new Float32Array(B);
  const a = new Float32Array(B);
  const vaMask = new Float32Array(B);
  const wants = (i: number, t: Task) => !tasks || tasks[i] === t;
  rows.forEach((r, i) => {
    if (r < 0) return;
    for (let k = 0; k < NUM_AUS && wants(i, 'au'); k++) {
      const t = s.au[r * NUM_AUS + (mirrored?.[i] ? flipAuIndex(k) : k)];
      if (t >= 0) {
        au[i * NUM_AUS + k] = t;
        auMask[i * NUM_AUS + k] = 1;
      }
    }
    if (wants(i, 'expr') && s.expr[r] >= 0) {
      expr[i] = s.expr[r];
      exprMask[i] = 1;
    }
    if (wants(i, 'va') && !Number.isNaN(s.valence[r])) {
      v[i] = s.valence[r];
      a[i] = s.arousal[r];
      vaMask[i] = 1;
    }
  });
  return {
    auTarget: tf.tensor2d(au, [B, NUM_AUS]),
    auMask: tf.tensor2d(auMask, [B, NUM_AUS]),
    exprTarget: tf.tensor1d(expr, 'int32'),
    exprMask: tf.tensor1d(exprMask),
    vTarget: tf.tensor1d(v),
    aTarget: tf.tensor1d(a),
    vaMask: tf.tensor1d(vaMask),
  };
}

/** A 55-float record as the mirrored face's: AU values through the mirror rule (mirrorAus), the rest unchanged. */
export function mirrorRecord(rec: Float32Array): Float32Array {
  const out = Float32Array.from(rec);
  out.set(mirrorAus(rec.subarray(0, NUM_AUS)), 0);
  return out;
}

/** Teacher logits (soft labels, n × 55 records) as head tensors. */
export function headsFromRecords(records: readonly Float32Array[]): HeadOutputs {
  const B = records.length;
  const take = (off: number, w: number) => {
    const buf = new Float32Array(B * w);
    records.forEach((r, i) => buf.set(r.subarray(off, off + w), i * w));
    return tf.tensor2d(buf, [B, w]);
  };
  return {
    au: take(0, NUM_AUS),
    expr: take(NUM_AUS, NUM_EXPR),
    v: take(NUM_AUS + NUM_EXPR, VA_BINS),
    a: take(NUM_AUS + NUM_EXPR + VA_BINS, VA_BINS),
  };
}

/** Model outputs → one 55-float record per sample (the soft-label layout). */
export async function recordsOf(out: HeadOutputs): Promise<Float32Array> {
  const joined = tf.concat([out.au, out.expr, out.v, out.a], 1);
  const data = (await joined.data()) as Float32Array;
  joined.dispose();
  if (data.length % SOFT_LABEL_WIDTH !== 0) throw new Error('unexpected output width');
  return data;
}

export function disposeTargets(t: BatchTargets): void {
  tf.dispose(Object.values(t));
}
