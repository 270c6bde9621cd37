// The GRU recurrence and the matrix products of the sequence model, as plain tf ops.
//
// Why not tf.layers.gru / tf.layers.bidirectional (both train on wasm; checked against the cpu
// backend): (1) the six GRUs of a model (3 tasks × 2 directions) share one input projection
// here, a single [B·T, F] × [F, 6·3H] product instead of 6·T small ones; (2) on the wasm backend
// of tfjs 4.22 a BatchMatMul with a transposed operand runs 15–50× slower than the plain product
// (measured: 1024×512×1152, 38 ms plain, 583 ms with B transposed, 2145 ms with A transposed),
// and tfjs' MatMul gradient asks for exactly those: the products here compute their gradients
// from explicitly transposed operands instead; (3) tf.layers' Bidirectional copies the forward
// layer's config, seeds included, so both directions would start from the same weights.
// On wasm a step costs about its number of kernels (~15–30 µs each). Running the six cells as one
// block-diagonal recurrence cut the kernel count 5× but was no faster (measured): slicing on a
// non-leading axis (Slice, SplitV, Unpack) takes a slow path in tfjs-backend-wasm 4.22, and the
// block matrix does 6× the multiply work; so each cell runs its own loop.
//
// Cell: PyTorch's GRU (the reference code's), gates in the order r, z, n:
//   r = σ(x·W_r + b_r + h·U_r + c_r)   z = σ(x·W_z + b_z + h·U_z + c_z)
//   n = tanh(x·W_n + b_n + r ⊙ (h·U_n + c_n))   h' = (1 − z) ⊙ n + z ⊙ h
import { tf } from '../backend';

/** x · w where x is a constant (frozen features): only w gets a gradient, xᵀ · dy. */
export function matMulConstLeft(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  // Tensors a gradient needs must go through `save` (kept until the backward pass); others
  // created during the forward pass are disposed when it ends.
  const f = tf.customGrad(((wIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.matMul(x, wIn as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy as tf.Tensor2D),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(w) as tf.Tensor2D;
}

/** a · b with gradients dy · bᵀ and aᵀ · dy computed from explicit transposes (see the header). */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((aIn: tf.Tensor, bIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([aIn, bIn]);
    return {
      value: tf.matMul(aIn as tf.Tensor2D, bIn as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as tf.Tensor2D[];
        return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(a, b) as tf.Tensor2D;
}

export interface GruRunOptions {
  /** Run from the last step to the first (the backward direction); outputs stay in time order. */
  reverse?: boolean;
  /**
   * Per step, bool [B, 1]: true for a real frame, false for padding, over which the state is
   * carried unchanged. Padding sits at the end of a window, so only the backward direction needs
   * this: it then starts from the zero state at each window's last real frame.
   */
  keep?: readonly tf.Tensor[] | null;
}

/**
 * One GRU direction over precomputed input projections `xs[t]` = x_t · W + b, each [B, 3H]
 * (gates r, z, n), with recurrent matrix U [H, 3H] and bias c [3H]. Returns the hidden state
 * after every step, [B, H] each, in time order. Call inside tf.tidy or optimizer.minimize.
 */
export function gruRun(xs: readonly tf.Tensor2D[], U: tf.Tensor2D, c: tf.Tensor1D, opts: GruRunOptions = {}): tf.Tensor2D[] {
  const T = xs.length;
  const B = xs[0].shape[0];
  const H = U.shape[0];
  let h = tf.zeros([B, H]) as tf.Tensor2D;
  const out = new Array<tf.Tensor2D>(T);
  for (let k = 0; k < T; k++) {
    const t = opts.reverse ? T - 1 - k : k;
    const [xr, xz, xn] = tf.split(xs[t], 3, 1);
    const [hr, hz, hn] = tf.split(tf.add(matMul(h, U), c), 3, 1);
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    const next = tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
    h = opts.keep ? (tf.where(opts.keep[t], next, h) as tf.Tensor2D) : next;
    out[t] = h;
  }
  return out;
}
