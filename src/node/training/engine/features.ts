// Frozen CNN outputs for the CNN-RNN: which CNN, and its outputs for a set of frames (computed
// once per frame from the face crops, inference mode, no augmentation, then read from the cache).
//
// Two kinds per CNN (the RNN's config.rnnInput): 'backbone', the backbone's features (featureDim
// wide), and 'head-embedding', the AU, EXPR and VA heads' 128-d embeddings side by side (384 wide).
// The feature cache keeps one row width per model id, so the embeddings are kept under the
// negative id −cnn.id (featureCacheKey), with their own fingerprint: both kinds of one CNN stay
// cached side by side. Whoever drops a model's cached features drops both keys.
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../../../ml/backend';
import { disposeNet, extractFeatures, loadModel, readModelMeta } from '../../../ml/models';
import { getModel, type ModelRow } from '../../store/models';
import { checkFeatureModel, defaultFeatureModelId } from '../feature-default';
import type { Db } from '../../store/database';
import { extractHeadEmbeddings, HEAD_EMBEDDING_DIM, type FeatureSource } from '../../../ml/rnn/features';
import type { RnnInput } from '../../../ml/rnn/config';
import { modelDir, type EngineHooks, type EngineSession } from './context';
import { FeatureCache, featureCacheKey, type FeatureDtype } from '../../store/feature-cache';



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

/** The weights' SHA-256 of a saved CNN: the cache's fingerprint of the features it gives. */
function fingerprintOf(dir: string): string {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsSha256?: string };
  if (!json.weightsSha256) throw new Error(`${dir}/model.json has no weights checksum`);
  return json.weightsSha256;
}


const KIND_WORDS: Record<RnnInput, string> = { backbone: 'features', 'head-embedding': 'head embeddings' };

/**
 * Makes sure the outputs of kind `input` (default 'backbone') of CNN `cnn` for `frameIds` are
 * cached (computing the missing ones from the face crops) and returns a reader. The cache stays
 * open until `close`.
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
  const key = featureCacheKey(cnn.id, input);
  const dim = input === 'head-embedding' ? HEAD_EMBEDDING_DIM : meta.featureDim;
  const what = KIND_WORDS[input];
  const cache = FeatureCache.open(sess.project.dir);
  try {
    cache.source(key, input === 'head-embedding' ? `${fingerprintOf(dir)}:head-embedding` : fingerprintOf(dir), dim, opts.dtype ?? 'float16');
    const missing = cache.missing(key, [...new Set(Array.from(frameIds))]);
    if (missing.length) {
      const batch = opts.batch ?? 64;
      hooks.log(`computing ${cnn.name}'s ${what} for ${missing.length} frames (cached for later runs)`);
      const { net } = await loadModel(dir);
      try {
        const size = net.config.inputSize;
        for (let i = 0; i < missing.length; i += batch) {
          const ids = missing.slice(i, i + batch);
          const x = tf.tensor4d(await sess.crops.batch(ids, size), [ids.length, size, size, 3]);
          const f = input === 'head-embedding' ? extractHeadEmbeddings(net, x) : extractFeatures(net, x);
          const width = f.shape[1];
          const data = (await f.data()) as Float32Array;
          tf.dispose([x, f]);
          if (width !== dim) throw new Error(`${cnn.name} gives ${what} of width ${width}, expected ${dim}`);
          cache.put(key, ids, data);
          hooks.progress(Math.min(i + batch, missing.length), missing.length, `caching ${cnn.name} ${what}`);
          await hooks.checkpoint();
        }
      } finally {
        disposeNet(net);
      }
    }
  } catch (e) {
    cache.close();
    throw e;
  }
  return {
    modelId: cnn.id,
    dim,
    read: (ids, out, offset) => cache.read(key, ids, out, offset),
    close: () => cache.close(),
  };
}
