// Data-parallel training of one model (issue 14 item 3): every batch is split by rows over R
// replicas, this thread and R − 1 learning threads, each with the same weights and its own engine.
// Each replica computes the loss of the whole batch from its rows (batch sums across replicas:
// ../replicas.ts) and its gradients of loss / R; their gradients are summed in shared memory
// (./all-reduce.ts), in rank order, into this thread's optimizer, which updates the weights; the
// updated weights go to shared memory, where every replica reads them before its next step. So
// the replicas cannot drift apart, Adam's state lives in this thread only (checkpoints unchanged),
// and a step's gradient is the single-thread gradient up to float summation order (tested:
// tests/unit/data-parallel.test.ts).
//
// Only where it pays: a fine-tuned backbone (a frozen run's heads step is too small to split: 20 ms
// at batch 16 against 21 at 32) whose step is heavy (REPLICA_MIN_STEP_MS), wasm or cpu, 2+
// threads, no head dropout (each replica would draw its own masks), and runs of at least
// REPLICA_MIN_STEPS steps (a thread's engine takes seconds to start); TrainInputBase.dataParallel
// 'on' / 'off' overrides the rule. The architecture says how (ArchRun.replicas, ArchTrainer.replica).
import { tf } from '../backend';
import type { TeacherLossTerms } from '../losses';
import { inReplicas } from '../replicas';
import type { Arch, ArchRun, TrainHooks } from '../train/arch';
import { ReduceGroup, createReduceGroup, type ReduceGroupShared } from './all-reduce';
import { ThreadPool, threadedBackend } from './pool';

/** Runs of fewer steps than this stay in one thread: starting a learning thread's engine costs seconds. */
export const REPLICA_MIN_STEPS = 40;

/**
 * Steps estimated (one wasm thread, ../../shared/train-estimate.ts wasmStepMs) below this stay in
 * one thread: each half batch pays every kernel call's fixed cost and the ~45 sync points of a
 * step, which a ~150 ms step (the small backbone at batch 32) does not earn back (0.97–1.05×
 * measured), while the face backbone's ~1.2 s step runs 1.88× faster on 2 threads.
 */
export const REPLICA_MIN_STEP_MS = 400;

/** The trainable weights, flattened in variable order, in memory every replica reads. */
export interface SharedWeights {
  buffer: SharedArrayBuffer;
  sizes: number[];
}

function sharedWeights(vars: readonly tf.Variable[]): SharedWeights {
  const sizes = vars.map((v) => v.size);
  return { buffer: new SharedArrayBuffer(sizes.reduce((a, b) => a + b, 0) * 4), sizes };
}

/** This thread's variables into the shared weights. */
export function publishWeights(vars: readonly tf.Variable[], w: SharedWeights): void {
  const view = new Float32Array(w.buffer);
  let at = 0;
  vars.forEach((v) => {
    view.set(v.dataSync() as Float32Array, at);
    at += v.size;
  });
}

/** The shared weights into this thread's variables (a replica, before each step). */
export function adoptWeights(vars: readonly tf.Variable[], w: SharedWeights): void {
  const view = new Float32Array(w.buffer);
  if (vars.length !== w.sizes.length || vars.some((v, i) => v.size !== w.sizes[i])) {
    throw new Error('internal: a replica\'s variables do not match the shared weights');
  }
  let at = 0;
  vars.forEach((v) => {
    const t = tf.tensor(view.slice(at, at + v.size), v.shape, 'float32');
    v.assign(t);
    t.dispose();
    at += v.size;
  });
}

export interface ReplicaGradients {
  /** Every variable's gradient, flattened in variable order (zeros where a variable got none, or without rows). */
  flat: Float32Array;
  /** The whole batch's loss terms (the same in every replica); empty for a replica without rows. */
  terms: Record<string, number>;
}

/**
 * One replica's part of a step: with `loss` (its rows), the gradients of loss / members with every
 * batch sum taken across the first `members` ranks of `group`; without (more replicas than rows),
 * zeros. Blocking: every member must make the same call.
 */
export function replicaGradients(vars: readonly tf.Variable[], loss: (() => TeacherLossTerms) | null, group: ReduceGroup, members: number): ReplicaGradients {
  const sizes = vars.map((v) => v.size);
  const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  if (!loss) return { flat, terms: {} };
  let kept: Record<string, tf.Scalar> = {};
  const { value, grads } = inReplicas({ members, sum: (p) => group.sum(p, members) }, () =>
    tf.variableGrads(() => {
      const t = loss();
      kept = { loss: tf.keep(t.total), au: tf.keep(t.au), expr: tf.keep(t.expr), v: tf.keep(t.v), a: tf.keep(t.a) };
      return tf.div(t.total, members) as tf.Scalar;
    }, vars as tf.Variable[]),
  );
  let at = 0;
  vars.forEach((v) => {
    const g = grads[v.name];
    if (g) flat.set(g.dataSync() as Float32Array, at);
    at += v.size;
  });
  const terms = Object.fromEntries(Object.entries(kept).map(([k, t]) => [k, t.dataSync()[0]]));
  tf.dispose([value, ...Object.values(grads), ...Object.values(kept)]);
  return { flat, terms };
}

/** Row counts of `rows` split over `parts` replicas: as equal as can be, the first ones one larger. */
export function shardSizes(rows: number, parts: number): number[] {
  const base = Math.floor(rows / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < rows % parts ? 1 : 0));
}

/** What a learning thread gets to become replica `rank` (./thread-main.ts 'replica'). */
export interface ReplicaJoin {
  arch: Arch;
  spec: unknown;
  /** The batch sums inside a step (the replicas with rows) and the gradient sum after it (all replicas) are separate groups: a replica without rows goes straight to the second. */
  groups: { batch: ReduceGroupShared; grads: ReduceGroupShared };
  rank: number;
  weights: SharedWeights;
}

export interface Replicas<B> {
  /** Replicas in all, this thread's included. */
  size: number;
  /** One training step of batch `b` over the replicas, applied by `optimizer`; answers the whole batch's loss terms. */
  step(b: B, optimizer: tf.Optimizer): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * Starts `threads` − 1 learning threads as replicas of `run` (this thread is rank 0), or answers
 * null (with a log line where it is worth saying) when the run stays in this thread.
 */
export async function startReplicas<B>(arch: Arch, run: ArchRun<B>, threads: number, hooks: Pick<TrainHooks, 'log'>): Promise<Replicas<B> | null> {
  const plan = run.replicas;
  const backend = threadedBackend();
  if (!plan || !backend || threads < 2) return null;
  let pool: ThreadPool;
  try {
    pool = await ThreadPool.start(threads - 1);
  } catch (e) {
    hooks.log(`learning threads did not start (${(e as Error).message}); training in this thread alone`);
    return null;
  }
  const size = threads;
  const groups = { batch: createReduceGroup(size, 1 << 12), grads: createReduceGroup(size, Math.min(1 << 20, Math.max(1, run.vars.reduce((n, v) => n + v.size, 0)))) };
  const batchGroup = new ReduceGroup(groups.batch, 0);
  const gradGroup = new ReduceGroup(groups.grads, 0);
  const weights = sharedWeights(run.vars);
  const spec = plan.spec();
  try {
    await pool.all((i) => ({ type: 'replica', backend, join: { arch, spec, groups, rank: i + 1, weights } satisfies ReplicaJoin }), 'replica');
  } catch (e) {
    await pool.close();
    hooks.log(`learning threads could not hold replicas of this model (${(e as Error).message}); training in this thread alone`);
    return null;
  }
  publishWeights(run.vars, weights);

  return {
    size,
    async step(b, optimizer) {
      const rows = plan.rows(b);
      const members = Math.max(1, Math.min(size, rows));
      const counts = shardSizes(rows, members);
      const starts = counts.map((_, i) => counts.slice(0, i).reduce((a, n) => a + n, 0));
      const answers = Array.from({ length: size - 1 }, (_, k) => {
        const rank = k + 1;
        const batch = rank < members ? plan.portable(b, starts[rank], counts[rank]) : null;
        return pool.one(k, { type: 'replica-step', batch, members }, 'replica-step');
      });
      // Known before any wait, so a thread's failure is read, not waited on.
      const settled = Promise.allSettled(answers);
      let mine: ReplicaGradients;
      let summed: Float64Array;
      const local = plan.slice(b, 0, counts[0]);
      try {
        mine = replicaGradients(run.vars, () => run.loss(local), batchGroup, members);
        summed = gradGroup.sum(mine.flat, size);
      } catch (e) {
        batchGroup.abort();
        gradGroup.abort();
        const failed = (await settled).find((r): r is PromiseRejectedResult => r.status === 'rejected');
        throw failed ? (failed.reason as Error) : e;
      } finally {
        run.disposeBatch(local);
      }
      const failed = (await settled).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason as Error;
      let at = 0;
      const grads = run.vars.map((v) => {
        const tensor = tf.tensor(Float32Array.from(summed.subarray(at, at + v.size)), v.shape, 'float32');
        at += v.size;
        return { name: v.name, tensor };
      });
      optimizer.applyGradients(grads);
      tf.dispose(grads.map((g) => g.tensor));
      publishWeights(run.vars, weights);
      return mine.terms;
    },
    async close() {
      // A replica still waiting (a failed step) stops now.
      batchGroup.abort();
      gradGroup.abort();
      await pool.close();
    },
  };
}

/** A learning thread's replica (./thread-main.ts): its model, its place in the group, and its steps. */
export class ThreadReplica {
  private readonly batchGroup: ReduceGroup;
  private readonly gradGroup: ReduceGroup;

  constructor(
    private readonly model: { vars: tf.Variable[]; loss(batch: unknown): TeacherLossTerms; dispose(): void },
    private readonly join: ReplicaJoin,
  ) {
    this.batchGroup = new ReduceGroup(join.groups.batch, join.rank);
    this.gradGroup = new ReduceGroup(join.groups.grads, join.rank);
  }

  /** One step: the current weights, this replica's rows (none: zeros), gradients into the group's sum. */
  step(batch: unknown, members: number): void {
    try {
      adoptWeights(this.model.vars, this.join.weights);
      const { flat } = replicaGradients(this.model.vars, batch === null ? null : () => this.model.loss(batch), this.batchGroup, members);
      this.gradGroup.contribute(flat);
    } catch (e) {
      this.batchGroup.abort();
      this.gradGroup.abort();
      throw e;
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
