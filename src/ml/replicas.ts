// Data-parallel replicas as the maths sees them (issue 14 item 3): a batch split over R replicas,
// one per thread, each holding the same weights. Everything that reduces over the batch (the
// losses' masked means and CCC moments, batch norm's statistics) sums across the replicas, so each
// replica computes the loss of the WHOLE batch from its own rows: the same value everywhere. The
// sum is differentiable: its gradient is the sum of the replicas' incoming gradients (a replica's
// partial feeds every replica's loss). Each replica back-propagates loss / R, and summing the
// replicas' weight gradients (../threads/all-reduce.ts) gives the whole batch's gradient, the
// single-thread gradient up to float summation order.
//
// Outside `inReplicas` (one thread, the default) every function here is the identity or the plain
// op, so a run without replicas computes exactly what it computed before replicas existed.
import { tf } from './backend';
import { setChannelSumReducer } from './kernels/batch-norm';

/** Sums a replica's partial with every other replica's (../threads/all-reduce.ts ReduceGroup.sum, bound to this step's members). */
export interface Reducer {
  /** The replicas taking part (≥ 1). */
  members: number;
  sum(partial: ArrayLike<number>): Float64Array;
}

let current: Reducer | null = null;

/** Runs `fn` (synchronously: forward and backward) as one replica of `r`; batch norm's statistics sum across them too. */
export function inReplicas<T>(r: Reducer, fn: () => T): T {
  if (current) throw new Error('internal: replicas inside replicas');
  current = r;
  setChannelSumReducer((partial) => r.sum(partial));
  try {
    return fn();
  } finally {
    current = null;
    setChannelSumReducer(null);
  }
}

/** The replicas of the step being computed (1 outside `inReplicas`). */
export function replicaCount(): number {
  return current?.members ?? 1;
}

function summed(t: tf.Tensor, r: Reducer): tf.Tensor {
  return tf.tensor(Float32Array.from(r.sum(t.dataSync() as Float32Array)), t.shape, 'float32');
}

/**
 * `t` summed over the replicas (t itself without replicas). Differentiable: the gradient reaching a
 * replica's partial is the replicas' incoming gradients summed.
 */
export function acrossReplicas<T extends tf.Tensor>(t: T): T {
  const r = current;
  if (!r || r.members === 1) return t;
  const op = tf.customGrad((x) => ({ value: summed(x as tf.Tensor, r), gradFunc: (dy) => summed(dy as tf.Tensor, r) }));
  return op(t) as T;
}

/** The mean over the whole batch's rows of a per-row tensor [B] (tf.mean without replicas). */
export function batchMean(x: tf.Tensor1D): tf.Scalar {
  const r = current;
  if (!r || r.members === 1) return tf.mean(x) as tf.Scalar;
  return tf.tidy(() => {
    const rows = r.sum([x.shape[0]])[0];
    return tf.div(acrossReplicas(tf.sum(x)), Math.max(rows, 1)) as tf.Scalar;
  });
}
