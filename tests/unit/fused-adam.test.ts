// The fused Adam (src/ml/train/fused-adam.ts) against tfjs's own Adam on a fixed seed: same
// weights after every step (the fused update rounds each float32 op as the kernels do, so the
// tolerance is a few float32 ulps), the same state layout (its state restores into a new one that
// continues identically), and no kernel calls for the update itself.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { optimizerFromConfig } from '../../src/ml/models';
import { FusedAdam } from '../../src/ml/train/fused-adam';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

/** A small two-layer net's variables, initialised from `seed` (same seed → same values). */
function makeVars(seed: number): tf.Variable[] {
  return [
    tf.variable(tf.randomNormal([16, 8], 0, 0.5, 'float32', seed)),
    tf.variable(tf.randomNormal([8], 0, 0.1, 'float32', seed + 1)),
    tf.variable(tf.randomNormal([8, 4], 0, 0.5, 'float32', seed + 2)),
    tf.variable(tf.zeros([4])),
  ];
}

const x = () => tf.randomUniform([32, 16], -1, 1, 'float32', 7);
const y = () => tf.randomUniform([32, 4], -1, 1, 'float32', 8);

function loss(vars: tf.Variable[], xs: tf.Tensor, ys: tf.Tensor): tf.Scalar {
  const [w1, b1, w2, b2] = vars;
  const h = tf.relu(tf.add(tf.matMul(xs, w1), b1));
  return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, w2), b2), ys)));
}

function train(opt: tf.Optimizer, vars: tf.Variable[], steps: number, lr?: (k: number) => number): void {
  const xs = x();
  const ys = y();
  for (let k = 0; k < steps; k++) {
    if (lr) (opt as FusedAdam).learningRate = lr(k);
    tf.dispose(opt.minimize(() => loss(vars, xs, ys), true, vars)!);
  }
  tf.dispose([xs, ys]);
}

function maxAbsDiff(a: tf.Variable[], b: tf.Variable[]): number {
  let worst = 0;
  a.forEach((v, i) => {
    const p = v.dataSync();
    const q = b[i].dataSync();
    for (let j = 0; j < p.length; j++) worst = Math.max(worst, Math.abs(p[j] - q[j]));
  });
  return worst;
}

describe('FusedAdam', () => {
  it('matches tf.train.adam step for step on a fixed seed', () => {
    const ref = makeVars(1);
    const ours = makeVars(1);
    const a = tf.train.adam(0.01);
    const b = new FusedAdam(0.01);
    // A tensor sharing a variable's data (wasm Reshape shares it) keeps its values: that variable
    // gets a new tensor each step, the others are updated in place.
    const alias = ours[2].reshape([32]);
    const before = alias.dataSync().slice();
    for (let round = 0; round < 5; round++) {
      train(a, ref, 6);
      train(b, ours, 6);
      // Tolerance: 1e-6 absolute on weights of size ~1 after 30 steps (float32 ulp at 1 is 1.2e-7).
      expect(maxAbsDiff(ref, ours)).toBeLessThan(1e-6);
    }
    expect(alias.dataSync()).toEqual(before);
    alias.dispose();
    // The weights moved (the comparison is not between two untouched nets).
    const fresh = makeVars(1);
    expect(maxAbsDiff(fresh, ours)).toBeGreaterThan(1e-2);
    tf.dispose([...ref, ...ours, ...fresh]);
    a.dispose();
    b.dispose();
  });

  it('matches tf.train.adam past the step where 1 − β1ᵗ rounds to 1 (the bias correction it then skips)', () => {
    const ref = makeVars(2);
    const ours = makeVars(2);
    const a = tf.train.adam(0.001);
    const b = new FusedAdam(0.001);
    train(a, ref, 200);
    train(b, ours, 200);
    expect(Math.fround(1 - b.accBeta1.dataSync()[0])).toBe(1); // past it
    expect(maxAbsDiff(ref, ours)).toBeLessThan(1e-6);
    tf.dispose([...ref, ...ours]);
    a.dispose();
    b.dispose();
  });

  it('restores its state (iterations, moments, running β products) and continues as the uninterrupted run', async () => {
    const whole = makeVars(3);
    const opt = new FusedAdam(0.005);
    train(opt, whole, 8);

    const part = makeVars(3);
    const first = new FusedAdam(0.005);
    train(first, part, 4);
    const state = await first.getWeights();
    const copied = state.map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    const resumed = optimizerFromConfig(first.getClassName(), first.getConfig());
    expect(resumed).toBeInstanceOf(FusedAdam);
    await resumed.setWeights(copied);
    (resumed as FusedAdam).accBeta1.assign(first.accBeta1);
    (resumed as FusedAdam).accBeta2.assign(first.accBeta2);
    first.dispose();
    train(resumed, part, 4);
    expect(maxAbsDiff(whole, part)).toBe(0);
    tf.dispose([...whole, ...part]);
    opt.dispose();
    resumed.dispose();
  });

  it('runs no kernels for the update and leaks no tensors', () => {
    const vars = makeVars(5);
    const opt = new FusedAdam(0.01);
    train(opt, vars, 1); // creates the moments
    const xs = x();
    const ys = y();
    const { grads, value } = tf.variableGrads(() => loss(vars, xs, ys), vars);
    const before = tf.memory().numTensors;
    const prof = tf.profile(() => opt.applyGradients(grads));
    return prof.then((p) => {
      expect(p.kernels.filter((k) => k.name !== 'Cast').map((k) => k.name)).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...Object.values(grads), value, xs, ys, ...vars]);
      opt.dispose();
    });
  });
});
