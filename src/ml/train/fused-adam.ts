// Adam with one fused update per variable (issue 14: the heads step was 881 kernel calls for 26
// variables, most of them Adam's element-wise ops, ~14 per variable per step).
//
// The update is Kingma & Ba's Algorithm 1 exactly as tfjs's AdamOptimizer computes it, op for op
// in float32 (tfjs-core src/optimizers/adam_optimizer.ts):
//   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
//   θ ← θ + (−lr)·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
// with β1ᵗ, β2ᵗ kept as running float32 products (accBeta1/accBeta2, saved by the checkpoint). Each
// float32 operation is rounded with Math.fround; a double holds the exact result of +, −, ×, ÷ and
// √ of two float32 values closely enough that rounding it once more to float32 gives the correctly
// rounded float32 result, so the update matches the per-op kernels bit for bit (tested against
// tf.train.adam in tests/unit/fused-adam.test.ts).
//
// On backends whose tensors live in memory JavaScript can see (wasm: the module's heap; cpu: typed
// arrays), the moments are updated in place and each variable gets one new tensor: no kernel calls
// at all. (Not the variables in place: the wasm backend's XNNPACK operators cache packed weights by
// tensor, so a weight changed under the same tensor would be read stale — measured: the steps after
// an in-place update diverged from tfjs's Adam by 4e-3.) Elsewhere (tfjs-node, GPUs) the per-op update of tfjs's Adam runs, on the same state.
//
// A learning-rate scale per variable (lrScales, by variable name; 1 when absent): the variable
// steps at lr × scale, exactly as a run at that learning rate would (partial fine-tuning trains
// the backbone at a lower rate than the heads). Not saved: the trainer sets it from the config.
//
// The state has tfjs Adam's layout (iterations, then m and v per variable, by position), so a
// checkpoint of either restores into either (src/ml/models/checkpoint.ts).
import { tf } from '../backend';
import { asWasmBackend } from '../kernels/wasm-ops';

type OptimizerVariable = { originalName: string; variable: tf.Variable };
/** tfjs-core's NamedTensor and NamedVariableMap (not re-exported by @tensorflow/tfjs). */
type NamedTensor = { name: string; tensor: tf.Tensor };
type NamedVariableMap = Record<string, tf.Variable>;

/** The float32 values of a tensor as a view JavaScript may read and write in place; null when the backend keeps them elsewhere. */
function hostView(t: tf.TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const name = tf.getBackend();
  if (name === 'wasm') return asWasmBackend(tf.backend()).typedArrayFromHeap(t) as Float32Array;
  if (name === 'cpu') {
    const values = (tf.backend() as unknown as { data: { get(id: tf.DataId): { values?: unknown } } }).data.get(t.dataId).values;
    return values instanceof Float32Array ? values : null;
  }
  return null;
}

/** Whether the fused (kernel-free) update runs on the active backend. */
export function fusedAdamSupported(): boolean {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu';
}

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'FusedAdam';
  }

  /** Running products β1ᵗ, β2ᵗ (the names checkpoint.ts saves them under, as tfjs's Adam). */
  readonly accBeta1: tf.Variable;
  readonly accBeta2: tf.Variable;
  private m: OptimizerVariable[] = [];
  private v: OptimizerVariable[] = [];
  readonly epsilon: number;
  /** Learning-rate scale per variable name (the name tf.engine().registeredVariables knows it by); 1 when absent. */
  lrScales: ReadonlyMap<string, number> = new Map();

  constructor(
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    epsilon: number | null = null,
  ) {
    super();
    this.accBeta1 = tf.tidy(() => tf.scalar(beta1).variable(false));
    this.accBeta2 = tf.tidy(() => tf.scalar(beta2).variable(false));
    this.epsilon = epsilon ?? tf.backend().epsilon();
  }

  applyGradients(grads: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(grads) ? grads : Object.keys(grads).map((name) => ({ name, tensor: grads[name] }));
    const vars = tf.engine().registeredVariables;
    list.forEach(({ name }, i) => {
      const value = vars[name];
      this.m[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      this.v[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    });
    if (fusedAdamSupported()) this.applyFused(list, vars);
    else this.applyPerOp(list, vars);
    this.incrementIterations();
  }

  /** The fused update: moments in place, one new tensor per variable. */
  private applyFused(list: NamedTensor[], vars: NamedVariableMap): void {
    const f = Math.fround;
    const b1 = f(this.beta1);
    const b2 = f(this.beta2);
    const c1 = f(1 - this.beta1);
    const c2 = f(1 - this.beta2);
    const eps = f(this.epsilon);
    const acc1 = hostView(this.accBeta1)!;
    const acc2 = hostView(this.accBeta2)!;
    const d1 = f(1 - acc1[0]);
    const d2 = f(1 - acc2[0]);
    // Once βᵗ is below half an ulp of 1 (β1 0.9: after ~157 steps), 1 − βᵗ rounds to exactly 1 and
    // dividing by it is the identity, bit for bit: the division is skipped (a third of the loop's).
    const unbiased1 = d1 === 1;
    const unbiased2 = d2 === 1;
    list.forEach(({ name, tensor: grad }, i) => {
      if (grad == null) return;
      const value = vars[name];
      const nlr = f(-(this.learningRate * (this.lrScales.get(name) ?? 1)));
      // Views are taken after the previous variable's new tensor (which may grow the wasm heap).
      const g = hostView(grad);
      const m = hostView(this.m[i].variable);
      const v = hostView(this.v[i].variable);
      const p = hostView(value);
      if (!g || !m || !v || !p) throw new Error(`fused Adam: variable ${name} is not float32 in host memory`);
      const out = new Float32Array(p.length);
      for (let j = 0; j < p.length; j++) {
        const gj = g[j];
        const mj = f(f(m[j] * b1) + f(gj * c1));
        const vj = f(f(v[j] * b2) + f(f(gj * gj) * c2));
        m[j] = mj;
        v[j] = vj;
        const mh = unbiased1 ? mj : f(mj / d1);
        const vh = unbiased2 ? vj : f(vj / d2);
        out[j] = f(f(f(mh / f(f(Math.sqrt(vh)) + eps)) * nlr) + p[j]);
      }
      const next = tf.tensor(out, value.shape, 'float32');
      value.assign(next);
      next.dispose(); // the variable holds its data now
    });
    // accBeta ← accBeta·β (float32); re-read: the new tensors may have moved the heap.
    const a1 = hostView(this.accBeta1)!;
    const a2 = hostView(this.accBeta2)!;
    a1[0] = f(a1[0] * b1);
    a2[0] = f(a2[0] * b2);
  }

  /** tfjs's per-op update (backends whose memory JavaScript cannot see). */
  private applyPerOp(list: NamedTensor[], vars: NamedVariableMap): void {
    tf.tidy(() => {
      const d1 = tf.sub(1, this.accBeta1);
      const d2 = tf.sub(1, this.accBeta2);
      list.forEach(({ name, tensor: g }, i) => {
        if (g == null) return;
        const value = vars[name];
        const m = this.m[i].variable;
        const v = this.v[i].variable;
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m1);
        v.assign(v1);
        const step = tf.div(tf.div(m1, d1), tf.add(tf.sqrt(tf.div(v1, d2)), this.epsilon));
        value.assign(tf.add(tf.mul(step, -(this.learningRate * (this.lrScales.get(name) ?? 1))), value));
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
  }

  override dispose(): void {
    this.accBeta1.dispose();
    this.accBeta2.dispose();
    tf.dispose([...this.m, ...this.v].map((s) => s.variable));
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations(), ...[...this.m, ...this.v].map((s) => ({ name: s.originalName, tensor: s.variable }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    tf.tidy(() => {
      this.accBeta1.assign(tf.pow(this.beta1, this.iterations_ + 1));
      this.accBeta2.assign(tf.pow(this.beta2, this.iterations_ + 1));
    });
    const n = rest.length / 2;
    const slot = (w: NamedTensor) => ({ originalName: w.name, variable: w.tensor.variable(false) });
    tf.dispose([...this.m, ...this.v].map((s) => s.variable));
    this.m = rest.slice(0, n).map(slot);
    this.v = rest.slice(n, 2 * n).map(slot);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config.learningRate, config.beta1, config.beta2, config.epsilon);
  }
}
tf.serialization.registerClass(FusedAdam);

/** The trainer's optimizer: Adam at `lr` with tfjs's defaults (β1 0.9, β2 0.999, the backend's ε). */
export function adam(lr: number): FusedAdam {
  return new FusedAdam(lr);
}
