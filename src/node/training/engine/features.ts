// Frozen CNN outputs for the CNN-RNN: which CNN, and its outputs for a set of frames (computed
// once per frame from the face crops, inference mode, no augmentation, then read from the cache).
//
// Two kinds per CNN (the RNN's config.rnnInput): 'backbone', the backbone's features (featureDim
// wide, keyed by the backbone's weights and shared with every other run of that backbone:
// src/ml/train/backbone-features.ts), and 'head-embedding', the AU, EXPR and VA heads' 128-d
// embeddings side by side (384 wide, keyed by the CNN's weights). Both record the CNN as their
// owner, so deleting it drops rows no other model uses.
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../../../ml/backend';
import { disposeNet, loadModel, readModelMeta } from '../../../ml/models';
import { getModel, type ModelRow } from '../../store/models';
import { checkFeatureModel, defaultFeatureModelId } from '../feature-default';
import type { Db } from '../../store/database';
import { extractHeadEmbeddings, HEAD_EMBEDDING_DIM, headEmbeddingsOf, type FeatureSource } from '../../../ml/rnn/features';
import { describeFeaturePass, ensureBackboneFeatures, type FeaturePassHooks, type FeatureStore } from '../../../ml/train/backbone-features';
import type { MultitaskNet } from '../../../ml/models';
import type { RnnInput } from '../../../ml/rnn/config';
import { modelDir, type EngineHooks, type EngineSession } from './context';
import { FeatureCache, headEmbeddingKey, type FeatureDtype } from '../../store/feature-cache';

/**
 * The CNN to take features from when the user names none: the paper's choice, the best CNN student
 * (src/node/training/feature-default.ts, the one home of the rule, which the dialogs' picker uses too).
 */
export async function defaultFeatureModel(db: Db, projectDir: string): Promise<ModelRow> {
  const id = defaultFeatureModelId(db, projectDir);
  if (id === null) throw new Error('no trained CNN model to take features from: train a CNN teacher (and students) first');
  return getModel(db, id)!;
}

/** Resolves the feature model of a run: the given id, else the default. */
export async function resolveFeatureModel(db: Db, projectDir: string, ref: number | undefined): Promise<ModelRow> {
  if (ref === undefined) return defaultFeatureModel(db, projectDir);
  const m = getModel(db, ref);
  if (!m) throw new Error(`no model with id ${ref} to take features from`);
  checkFeatureModel(m);
  return m;
}

/** The weights' SHA-256 of a saved CNN: the key of the head embeddings it gives. */
function fingerprintOf(dir: string): string {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsSha256?: string };
  if (!json.weightsSha256) throw new Error(`${dir}/model.json has no weights checksum`);
  return json.weightsSha256;
}

/** Progress of a feature pass as the engine's hooks see it. */
function passHooks(hooks: EngineHooks, what: string): FeaturePassHooks {
  return { progress: (d, t) => hooks.progress(d, t, what), checkpoint: () => hooks.checkpoint() };
}

/**
 * Makes sure the outputs of kind `input` (default 'backbone') of CNN `cnn` for `frameIds` are
 * cached and returns a reader. Backbone features are the shared rows of the CNN's backbone
 * (computed by whichever run of that backbone came first: for a frozen backbone, usually the CNN's
 * own training). Head embeddings are computed from those rows when the backbone is frozen (heads
 * speed), else from the face crops. The cache stays open until `close`.
 */
export async function prepareFeatures(
  sess: EngineSession,
  cnn: ModelRow,
  frameIds: ArrayLike<number>,
  hooks: EngineHooks,
  opts: { batch?: number; dtype?: FeatureDtype; input?: RnnInput } = {},
): Promise<FeatureSource & { close(): void }> {
  checkFeatureModel(cnn);
  const input = opts.input ?? 'backbone';
  const dir = modelDir(sess.project, cnn.id);
  const meta = await readModelMeta(dir);
  const batch = opts.batch ?? 64;
  const ids = [...new Set(Array.from(frameIds))];
  const cache = FeatureCache.open(sess.project.dir);
  const store: FeatureStore = cache.asStore(opts.dtype);
  let loaded: MultitaskNet | null = null;
  const net = async () => (loaded ??= (await loadModel(dir)).net);
  const backbone = { net, key: meta.backboneKey, dim: meta.featureDim, owner: cnn.id };
  try {
    let key: string;
    let dim: number;
    if (input === 'backbone') {
      const pass = await ensureBackboneFeatures(store, backbone, sess.crops, ids, { batch, threads: sess.threads, hooks: passHooks(hooks, `caching ${cnn.name} features`) });
      hooks.log(`${cnn.name}: ${describeFeaturePass(pass)}`);
      ({ key, dim } = pass);
    } else {
      key = headEmbeddingKey(fingerprintOf(dir));
      dim = HEAD_EMBEDDING_DIM;
      store.open(key, dim, cnn.id);
      const missing = store.missing(key, ids);
      if (missing.length) {
        hooks.log(`computing ${cnn.name}'s head embeddings for ${missing.length} frames (cached for later runs)`);
        const n = await net();
        // A frozen backbone's features are shared rows: the embeddings need only the heads.
        const pass = meta.config.freezeBackbone ? await ensureBackboneFeatures(store, backbone, sess.crops, missing, { batch, threads: sess.threads, hooks: passHooks(hooks, `caching ${cnn.name} features`) }) : null;
        if (pass) hooks.log(`${cnn.name}: ${describeFeaturePass(pass)}`);
        const step = pass ? 512 : batch;
        for (let i = 0; i < missing.length; i += step) {
          const part = missing.slice(i, i + step);
          let x: tf.Tensor;
          if (pass) {
            const f = new Float32Array(part.length * pass.dim);
            store.read(pass.key, part, f);
            x = tf.tensor2d(f, [part.length, pass.dim]);
          } else {
            const size = n.config.inputSize;
            x = tf.tensor4d(await sess.crops.batch(part, size), [part.length, size, size, 3]);
          }
          const e = pass ? headEmbeddingsOf(n, x) : extractHeadEmbeddings(n, x);
          const width = e.shape[1];
          const data = (await e.data()) as Float32Array;
          tf.dispose([x, e]);
          if (width !== dim) throw new Error(`${cnn.name} gives head embeddings of width ${width}, expected ${dim}`);
          store.put(key, part, data);
          hooks.progress(Math.min(i + step, missing.length), missing.length, `caching ${cnn.name} head embeddings`);
          await hooks.checkpoint();
        }
      }
    }
    return {
      modelId: cnn.id,
      dim,
      read: (rows, out, offset) => cache.read(key, rows, out, offset),
      close: () => cache.close(),
    };
  } catch (e) {
    cache.close();
    throw e;
  } finally {
    if (loaded) disposeNet(loaded);
  }
}
