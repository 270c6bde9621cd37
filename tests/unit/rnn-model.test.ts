// The CNN-RNN's sequence model: the GRU equations against a float64 reference, padding, gradients
// (finite differences, and wasm against the pure-JS cpu backend), files and checkpoints.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { matMul, matMulConstLeft } from '../../src/ml/rnn/gru';
import { buildRnnNet, disposeRnnNet, gruInputWidth, rnnForward, rnnInputWidth, rnnPredict, rnnVariables, RNN_OUTPUTS, type RnnNet, type RnnNetConfigInput } from '../../src/ml/rnn/model';
import { loadRnnCheckpoint, loadRnnNet, saveRnnCheckpoint, saveRnnNet } from '../../src/ml/rnn/io';
import { mulberry32 } from '../../src/shared/random';
import { HEAD_HIDDEN } from '../../src/ml/models';
import { HEAD_EMBEDDING_DIM } from '../../src/ml/rnn/features';
import { relError } from './kernel-fixtures';
import { tempDir } from './helpers';

const tmp = tempDir('aw-rnn-model-');
beforeAll(async () => {
  await initBackend();
});
afterAll(() => tmp.cleanup());

/** A net as the first implementation built it (no rnnInput / reluAfterGru: backbone features, no ReLU). */
const CFG: RnnNetConfigInput = { featureDim: 3, hidden: 2, window: 4, seed: 5 };
/** The paper's / reference's net: each task's GRU reads its head's embedding (3 wide here), ReLU after the GRUs. */
const PAPER: RnnNetConfigInput = { ...CFG, rnnInput: 'head-embedding', reluAfterGru: true };

function features(B: number, T: number, F: number, lengths: number[], seed: number): number[][][] {
  const rng = mulberry32(seed);
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from({ length: F }, () => (t < lengths[b] ? 2 * rng() - 1 : 0))));
}

type Weights = Map<string, { data: number[]; shape: number[] }>;
function weightsOf(net: RnnNet): Weights {
  return new Map([...net.weights].map(([k, v]) => [k, { data: Array.from(v.dataSync()), shape: v.shape }]));
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The model in float64 JS, written from the equations (PyTorch GRU, gates r, z, n). `embedding`:
 * x holds 3 head embeddings of that width side by side and group g's GRUs read the g-th; `relu`:
 * ReLU on the GRU outputs before the output layers (the reference's GRU_Head).
 */
function reference(W: Weights, H: number, x: number[][][], lengths: number[], o: { relu?: boolean; embedding?: number } = {}): Record<string, number[][]> {
  const B = x.length;
  const T = x[0].length;
  const get = (name: string) => W.get(name)!;
  const dot = (m: { data: number[]; shape: number[] }, v: number[], col: number) => {
    const cols = m.shape[1];
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * m.data[i * cols + col];
    return s;
  };
  const gru = (cell: string, seq: number[][], reverse: boolean, len: number): number[][] => {
    const K = get(`${cell}/kernel`);
    const b = get(`${cell}/bias`).data;
    const U = get(`${cell}/recurrent_kernel`);
    const c = get(`${cell}/recurrent_bias`).data;
    const out = seq.map(() => new Array(H).fill(0));
    let h = new Array(H).fill(0);
    const order = reverse ? Array.from({ length: len }, (_, k) => len - 1 - k) : Array.from({ length: T }, (_, k) => k);
    for (const t of order) {
      const next = new Array(H);
      for (let j = 0; j < H; j++) {
        const r = sig(dot(K, seq[t], j) + b[j] + dot(U, h, j) + c[j]);
        const z = sig(dot(K, seq[t], H + j) + b[H + j] + dot(U, h, H + j) + c[H + j]);
        const n = Math.tanh(dot(K, seq[t], 2 * H + j) + b[2 * H + j] + r * (dot(U, h, 2 * H + j) + c[2 * H + j]));
        next[j] = (1 - z) * n + z * h[j];
      }
      h = next;
      out[t] = h;
    }
    return out;
  };
  const res: Record<string, number[][]> = {};
  const groups = ['au', 'expr', 'va'];
  for (const [name, group] of RNN_OUTPUTS) {
    const rows: number[][] = [];
    const E = o.embedding;
    const g = groups.indexOf(group);
    for (let bi = 0; bi < B; bi++) {
      const seq = E === undefined ? x[bi] : x[bi].map((row) => row.slice(g * E, (g + 1) * E));
      const f = gru(`${group}/fwd`, seq, false, lengths[bi]);
      const bw = gru(`${group}/bwd`, seq, true, lengths[bi]);
      const K = get(`out/${name}/kernel`);
      const bias = get(`out/${name}/bias`).data;
      for (let t = 0; t < T; t++) {
        const hcat = [...f[t], ...bw[t]].map((v) => (o.relu ? Math.max(0, v) : v));
        rows.push(bias.map((bb, k) => bb + dot(K, hcat, k)));
      }
    }
    res[name] = rows;
  }
  return res;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((r, i) => r.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

describe('rnnForward', () => {
  it('matches the float64 reference, padded window included ([B·T, K], row b·T + t)', () => {
    const net = buildRnnNet(CFG);
    const lengths = [4, 2];
    const x = features(2, 4, 3, lengths, 1);
    const out = rnnPredict(net, tf.tensor3d(x), lengths);
    const ref = reference(weightsOf(net), CFG.hidden, x, lengths);
    expect(out.au.shape).toEqual([8, 8]);
    expect(out.expr.shape).toEqual([8, 7]);
    expect(out.v.shape).toEqual([8, 20]);
    expect(out.a.shape).toEqual([8, 20]);
    for (const k of ['au', 'expr', 'v', 'a'] as const) expect(maxAbsDiff(out[k].arraySync() as number[][], ref[k])).toBeLessThan(1e-5);
    tf.dispose(Object.values(out));
    disposeRnnNet(net);
  });

  it('a padded window gives, on its real steps, what the unpadded sequence gives', () => {
    const net = buildRnnNet({ ...CFG, featureDim: 5, hidden: 6 });
    const x = features(1, 6, 5, [6], 2);
    const short = x[0].slice(0, 3);
    const padded = [[...short, ...short.map((r) => r.map(() => 0)), short[0].map(() => 0)]];
    const a = rnnPredict(net, tf.tensor3d([short]), [3]);
    const b = rnnPredict(net, tf.tensor3d(padded), [3]);
    for (const k of ['au', 'expr', 'v', 'a'] as const) {
      const ra = a[k].arraySync() as number[][];
      const rb = (b[k].arraySync() as number[][]).slice(0, 3);
      expect(maxAbsDiff(ra, rb)).toBeLessThan(1e-6);
    }
    // Without the mask the backward GRU would start in the padding: the outputs would differ.
    const unmasked = rnnPredict(net, tf.tensor3d(padded), [6]);
    expect(maxAbsDiff(unmasked.au.arraySync().slice(0, 3) as number[][], a.au.arraySync() as number[][])).toBeGreaterThan(1e-4);
    tf.dispose([...Object.values(a), ...Object.values(b), ...Object.values(unmasked)]);
    disposeRnnNet(net);
  });

  it('is deterministic in the seed; students with other seeds differ', () => {
    const a = buildRnnNet(CFG);
    const b = buildRnnNet(CFG);
    const c = buildRnnNet({ ...CFG, seed: 6 });
    const wa = weightsOf(a);
    expect([...weightsOf(b)]).toEqual([...wa]);
    expect(weightsOf(c).get('au/fwd/kernel')!.data).not.toEqual(wa.get('au/fwd/kernel')!.data);
    // The two directions start from different weights (tf.layers' Bidirectional would copy them).
    expect(wa.get('au/bwd/kernel')!.data).not.toEqual(wa.get('au/fwd/kernel')!.data);
    [a, b, c].forEach(disposeRnnNet);
  });
});

describe('what the GRUs read, and the ReLU after them', () => {
  it('a net without rnnInput / reluAfterGru is the first implementation’s: backbone features, no ReLU', () => {
    const net = buildRnnNet(CFG);
    expect(net.config).toEqual({ ...CFG, rnnInput: 'backbone', reluAfterGru: false });
    expect(net.weights.get('expr/fwd/kernel')!.shape).toEqual([3, 6]);
    disposeRnnNet(net);
  });

  it('head embeddings: each task’s GRUs take one 128-d embedding, and the model 3 of them side by side', () => {
    const net = buildRnnNet({ featureDim: HEAD_HIDDEN, hidden: 64, window: 32, seed: 1, rnnInput: 'head-embedding', reluAfterGru: true });
    for (const g of ['au', 'expr', 'va']) for (const d of ['fwd', 'bwd']) expect(net.weights.get(`${g}/${d}/kernel`)!.shape).toEqual([128, 192]);
    expect(rnnInputWidth(net.config)).toBe(384);
    expect(gruInputWidth('head-embedding', HEAD_EMBEDDING_DIM)).toBe(128);
    expect(gruInputWidth('backbone', 512)).toBe(512);
    expect(() => rnnPredict(net, tf.zeros([1, 2, 128]) as tf.Tensor3D, [2])).toThrow(/width 128, the model takes 384 \(3 head embeddings of 128\)/);
    disposeRnnNet(net);
  });

  it('head embeddings with ReLU match the float64 reference, padded window included', () => {
    const net = buildRnnNet(PAPER);
    const lengths = [4, 2];
    const x = features(2, 4, 9, lengths, 21);
    const out = rnnPredict(net, tf.tensor3d(x), lengths);
    const ref = reference(weightsOf(net), 2, x, lengths, { relu: true, embedding: 3 });
    for (const k of ['au', 'expr', 'v', 'a'] as const) expect(maxAbsDiff(out[k].arraySync() as number[][], ref[k])).toBeLessThan(1e-5);
    // Not the same function as without the ReLU.
    const plain = reference(weightsOf(net), 2, x, lengths, { embedding: 3 });
    expect(maxAbsDiff(out.expr.arraySync() as number[][], plain.expr)).toBeGreaterThan(1e-4);
    tf.dispose(Object.values(out));
    disposeRnnNet(net);
  });

  it('ReLU after the GRUs on backbone features matches the reference', () => {
    const net = buildRnnNet({ ...CFG, reluAfterGru: true });
    const lengths = [4, 3];
    const x = features(2, 4, 3, lengths, 22);
    const out = rnnPredict(net, tf.tensor3d(x), lengths);
    const ref = reference(weightsOf(net), 2, x, lengths, { relu: true });
    for (const k of ['au', 'expr', 'v', 'a'] as const) expect(maxAbsDiff(out[k].arraySync() as number[][], ref[k])).toBeLessThan(1e-5);
    tf.dispose(Object.values(out));
    disposeRnnNet(net);
  });

  it('each task’s GRU reads its own embedding only', () => {
    const net = buildRnnNet({ ...PAPER, hidden: 4 });
    const x = features(1, 4, 9, [4], 23);
    const changed = x.map((w) => w.map((row) => row.map((v, j) => (j >= 3 && j < 6 ? v + 1 : v)))); // the EXPR embedding
    const a = rnnPredict(net, tf.tensor3d(x), [4]);
    const b = rnnPredict(net, tf.tensor3d(changed), [4]);
    expect(maxAbsDiff(a.expr.arraySync() as number[][], b.expr.arraySync() as number[][])).toBeGreaterThan(1e-4);
    for (const k of ['au', 'v', 'a'] as const) expect(maxAbsDiff(a[k].arraySync() as number[][], b[k].arraySync() as number[][])).toBe(0);
    tf.dispose([...Object.values(a), ...Object.values(b)]);
    disposeRnnNet(net);
  });
});

/** Σ outputs · r for fixed r: a loss every output entry contributes to differently. */
function weightedSum(out: Record<string, tf.Tensor>, seed: number): tf.Scalar {
  const rng = mulberry32(seed);
  return tf.addN(
    Object.keys(out)
      .sort()
      .map((k) => tf.sum(tf.mul(out[k], tf.tensor(Float32Array.from({ length: out[k].size }, () => 2 * rng() - 1), out[k].shape)))),
  ) as tf.Scalar;
}

function refWeightedSum(o: Record<string, number[][]>, seed: number): number {
  const rng = mulberry32(seed);
  let s = 0;
  for (const k of Object.keys(o).sort()) for (const row of o[k]) for (const v of row) s += v * (2 * rng() - 1);
  return s;
}

async function gradients(backend: string, cfg: RnnNetConfigInput, x: number[][][], lengths: number[]): Promise<Map<string, Float32Array>> {
  await tf.setBackend(backend);
  const net = buildRnnNet(cfg);
  const xt = tf.tensor3d(x);
  const { value, grads } = tf.variableGrads(() => weightedSum(rnnForward(net, xt, lengths) as unknown as Record<string, tf.Tensor>, 9), rnnVariables(net));
  const byName = new Map<string, Float32Array>();
  for (const [name, v] of net.weights) byName.set(name, grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, xt, ...Object.values(grads)]);
  disposeRnnNet(net);
  return byName;
}

/** The wasm gradients of every weight (3 entries each) against finite differences of the float64 reference. */
async function checkFiniteDifferences(cfg: RnnNetConfigInput, refOpts: { relu?: boolean; embedding?: number }, x: number[][][], lengths: number[]): Promise<void> {
  const g = await gradients('wasm', cfg, x, lengths);
  const net = buildRnnNet(cfg);
  const W = weightsOf(net);
  disposeRnnNet(net);
  const rng = mulberry32(4);
  const eps = 1e-5;
  let checked = 0;
  for (const [name, w] of W) {
    for (let k = 0; k < 3; k++) {
      const i = Math.floor(rng() * w.data.length);
      const at = (d: number) => {
        const W2: Weights = new Map(W);
        const data = [...w.data];
        data[i] += d;
        W2.set(name, { data, shape: w.shape });
        return refWeightedSum(reference(W2, cfg.hidden, x, lengths, refOpts), 9);
      };
      const num = (at(eps) - at(-eps)) / (2 * eps);
      expect(Math.abs(g.get(name)![i] - num)).toBeLessThan(1e-3 + 1e-3 * Math.abs(num));
      checked++;
    }
  }
  expect(checked).toBe(W.size * 3);
}

describe('gradients', () => {
  it('match finite differences of the float64 reference', async () => {
    const lengths = [4, 3];
    await checkFiniteDifferences(CFG, {}, features(2, 4, 3, lengths, 3), lengths);
  });

  it('match finite differences with head embeddings and ReLU after the GRUs', async () => {
    const lengths = [4, 3];
    await checkFiniteDifferences(PAPER, { relu: true, embedding: 3 }, features(2, 4, 9, lengths, 13), lengths);
  });

  it.each([
    ['backbone', { featureDim: 16, hidden: 8, window: 6, seed: 2 }, 16],
    ['head embeddings, ReLU', { featureDim: 16, hidden: 8, window: 6, seed: 2, rnnInput: 'head-embedding', reluAfterGru: true }, 48],
  ] as const)('agree between the wasm backend and the pure-JS cpu backend (%s)', async (_name, cfg, width) => {
    const lengths = [6, 4, 1];
    const x = features(3, 6, width, lengths, 7);
    const cpu = await gradients('cpu', cfg, x, lengths);
    const wasm = await gradients('wasm', cfg, x, lengths);
    for (const [name, ref] of cpu) {
      expect(relError(wasm.get(name)!, ref)).toBeLessThan(1e-4);
    }
    expect(tf.getBackend()).toBe('wasm');
  });

  it('the transpose-free matMul gradients equal tfjs’ own', async () => {
    const rng = mulberry32(11);
    const a = tf.tensor2d(Float32Array.from({ length: 15 }, () => rng() - 0.5), [5, 3]);
    const b = tf.tensor2d(Float32Array.from({ length: 12 }, () => rng() - 0.5), [3, 4]);
    const r = tf.tensor2d(Float32Array.from({ length: 20 }, () => rng() - 0.5), [5, 4]);
    const ours = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(matMul(p as tf.Tensor2D, q as tf.Tensor2D), r)))([a, b]);
    const theirs = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D), r)))([a, b]);
    const constLeft = tf.grad((q: tf.Tensor) => tf.sum(tf.mul(matMulConstLeft(a, q as tf.Tensor2D), r)))(b);
    for (let i = 0; i < 2; i++) expect(maxAbsDiff(ours[i].arraySync() as number[][], theirs[i].arraySync() as number[][])).toBeLessThan(1e-6);
    expect(maxAbsDiff(constLeft.arraySync() as number[][], theirs[1].arraySync() as number[][])).toBeLessThan(1e-6);
    tf.dispose([a, b, r, ...ours, ...theirs, constLeft]);
  });
});

describe('files', () => {
  it('save and load give the same predictions; a corrupt file is refused', async () => {
    const net = buildRnnNet({ ...CFG, seed: 8 });
    const dir = path.join(tmp.dir, 'm1');
    await saveRnnNet(net, dir, { auThresholds: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] });
    const { net: back, meta } = await loadRnnNet(dir);
    expect(back.config).toEqual(net.config);
    expect(meta.auThresholds?.[7]).toBe(0.8);
    const x = tf.tensor3d(features(2, 4, 3, [4, 3], 5));
    const a = rnnPredict(net, x, [4, 3]);
    const b = rnnPredict(back, x, [4, 3]);
    expect(b.v.arraySync()).toEqual(a.v.arraySync());
    tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
    disposeRnnNet(back);
    disposeRnnNet(net);
    const wfile = path.join(dir, 'weights.bin');
    const bytes = fs.readFileSync(wfile);
    bytes[3] ^= 0xff;
    fs.writeFileSync(wfile, bytes);
    await expect(loadRnnNet(dir)).rejects.toThrow(/checksum/);
  });

  it('a new model file records what its GRUs read and the ReLU', async () => {
    const net = buildRnnNet(PAPER);
    const dir = path.join(tmp.dir, 'paper');
    await saveRnnNet(net, dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { config: Record<string, unknown> };
    expect(json.config).toMatchObject({ featureDim: 3, rnnInput: 'head-embedding', reluAfterGru: true });
    const { net: back } = await loadRnnNet(dir);
    expect(back.config).toEqual(net.config);
    const x = tf.tensor3d(features(2, 4, 9, [4, 1], 24));
    const a = rnnPredict(net, x, [4, 1]);
    const b = rnnPredict(back, x, [4, 1]);
    for (const k of ['au', 'expr', 'v', 'a'] as const) expect(b[k].arraySync()).toEqual(a[k].arraySync());
    tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
    disposeRnnNet(back);
    disposeRnnNet(net);
  });

  it('an old model file (no rnnInput / reluAfterGru) loads as it was built and predicts exactly as before', async () => {
    const net = buildRnnNet({ ...CFG, seed: 9 });
    const dir = path.join(tmp.dir, 'old');
    await saveRnnNet(net, dir);
    // The first implementation wrote only featureDim, hidden, window and seed.
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { config: Record<string, unknown> };
    delete json.config.rnnInput;
    delete json.config.reluAfterGru;
    expect(Object.keys(json.config).sort()).toEqual(['featureDim', 'hidden', 'seed', 'window']);
    fs.writeFileSync(file, JSON.stringify(json));
    const { net: back } = await loadRnnNet(dir);
    expect(back.config).toMatchObject({ rnnInput: 'backbone', reluAfterGru: false });
    const lengths = [4, 2];
    const xs = features(2, 4, 3, lengths, 25);
    const x = tf.tensor3d(xs);
    const a = rnnPredict(net, x, lengths);
    const b = rnnPredict(back, x, lengths);
    const ref = reference(weightsOf(back), 2, xs, lengths);
    for (const k of ['au', 'expr', 'v', 'a'] as const) {
      expect(b[k].arraySync()).toEqual(a[k].arraySync());
      expect(maxAbsDiff(b[k].arraySync() as number[][], ref[k])).toBeLessThan(1e-5);
    }
    tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
    disposeRnnNet(back);
    disposeRnnNet(net);
  });

  it('a resumed checkpoint continues bit-identically', async () => {
    const x = tf.tensor3d(features(2, 4, 3, [4, 2], 6));
    const step = (net: RnnNet, opt: tf.Optimizer) => {
      const l = opt.minimize(() => weightedSum(rnnForward(net, x, [4, 2]) as unknown as Record<string, tf.Tensor>, 1), true, rnnVariables(net));
      l!.dispose();
    };
    // Uninterrupted: 3 steps.
    const a = buildRnnNet(CFG);
    const optA = tf.train.adam(0.01);
    for (let i = 0; i < 3; i++) step(a, optA);
    // 1 step, checkpoint, load, 2 steps.
    const b = buildRnnNet(CFG);
    const optB = tf.train.adam(0.01);
    step(b, optB);
    const dir = path.join(tmp.dir, 'ckpt');
    await saveRnnCheckpoint(dir, b, optB, { epochsDone: 1 });
    disposeRnnNet(b);
    optB.dispose();
    const ck = await loadRnnCheckpoint<{ epochsDone: number }>(dir);
    expect(ck.trainerState.epochsDone).toBe(1);
    for (let i = 0; i < 2; i++) step(ck.net, ck.optimizer);
    for (const [name, v] of a.weights) expect(Array.from(ck.net.weights.get(name)!.dataSync())).toEqual(Array.from(v.dataSync()));
    tf.dispose(x);
    disposeRnnNet(a);
    disposeRnnNet(ck.net);
    optA.dispose();
    ck.optimizer.dispose();
  });
});
