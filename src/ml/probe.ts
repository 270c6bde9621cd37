// A small training-shaped job: does this backend run a conv forward and backward, how fast, and
// does it leak? The worker supervisor runs it as its smoke-test job; the CLI can show the result.

import { initBackend, tf, type BackendInfo, type InitBackendOptions } from './backend';

export interface ProbeResult {
  backend: BackendInfo;
  /** ms of one forward pass (loss read back), after one warm-up step. */
  forwardMs: number;
  /** ms of the backward pass: a gradient step (forward + backward) minus `forwardMs`. */
  backwardMs: number;
  /** Loss and every gradient finite, gradients not all zero, shapes those of the weights. */
  ok: boolean;
  /** Tensors alive after the probe minus before it (0 when nothing leaks). */
  numTensorsLeaked: number;
}

/** Deterministic values in [-0.5, 0.5) (a fixed LCG; no dependence on tf's RNG). */
function fixedValues(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 4294967296 - 0.5;
  }
  return v;
}

function allFinite(values: Float32Array | Int32Array | Uint8Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/**
 * Runs conv3×3(3→8, stride 1) → ReLU → conv3×3(8→16, stride 2) → depthwise 3×3 → mean-square loss
 * on an 8×32×32×3 batch: forward once, then gradients for all three filters.
 */
export async function runProbe(opts?: InitBackendOptions): Promise<ProbeResult> {
  const backend = await initBackend(opts);
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(fixedValues(8 * 32 * 32 * 3, 1), [8, 32, 32, 3]);
  // tidy releases the initial tensors; variables are never tracked by scopes.
  const weight = (shape: [number, number, number, number], seed: number): tf.Variable =>
    tf.tidy(() => tf.variable(tf.tensor4d(fixedValues(shape.reduce((a, b) => a * b, 1), seed), shape)));
  const w1 = weight([3, 3, 3, 8], 2);
  const w2 = weight([3, 3, 8, 16], 3);
  const w3 = weight([3, 3, 16, 1], 4);
  const vars = [w1, w2, w3];
  const lossFn = (): tf.Scalar =>
    tf.tidy(() => {
      const h1 = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
      const h2 = tf.conv2d(h1 as tf.Tensor4D, w2 as tf.Tensor4D, 2, 'same');
      const h3 = tf.depthwiseConv2d(h2, w3 as tf.Tensor4D, 1, 'same');
      return tf.mean(tf.square(h3)) as tf.Scalar;
    });

  let ok = true;
  let forwardMs = 0;
  let backwardMs = 0;
  try {
    // Warm-up: first calls create XNNPACK operators and tier up the wasm code.
    const warm = tf.variableGrads(lossFn, vars);
    await warm.value.data();
    tf.dispose([warm.value, ...Object.values(warm.grads)]);

    let t0 = performance.now();
    const loss = lossFn();
    const lossValue = await loss.data();
    forwardMs = performance.now() - t0;
    loss.dispose();

    t0 = performance.now();
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const gradValues = await Promise.all(vars.map((v) => grads[v.name].data()));
    const totalMs = performance.now() - t0;
    backwardMs = Math.max(0, totalMs - forwardMs);

    ok = allFinite(lossValue) && (await value.data()).every((v) => Number.isFinite(v));
    ok &&= vars.every((v, i) => grads[v.name].shape.join() === v.shape.join() && allFinite(gradValues[i]));
    ok &&= gradValues.some((g) => g.some((v) => v !== 0));
    tf.dispose([value, ...Object.values(grads)]);
  } catch {
    ok = false;
  } finally {
    tf.dispose([x, ...vars]);
  }
  return { backend, forwardMs, backwardMs, ok, numTensorsLeaked: tf.memory().numTensors - before };
}
