// The CNN-RNN in the engine's jobs: trains on frozen CNN features (./features.ts, cached) of
// video and image-sequence media only (./sets.ts sequenceSets). At inference (soft labels,
// evaluation) a frame of an image dataset is a one-frame sequence, and the media holding the rows
// asked for are predicted whole, so windows see the same context as in a full pass.
import type { z } from 'zod';
import { createModel, getModel, renameModel, resolveModelRef, type ModelRow } from '../../store/models';
import type { SampleSet } from '../../../shared/samples';
import { SOFT_LABEL_WIDTH } from '../../../shared/labels';
import { resolveRnnConfig, type RnnStudentParams, type RnnTeacherParams, type RnnTrainConfigInput } from '../../../ml/rnn/config';
import { loadRnnNet } from '../../../ml/rnn/io';
import { disposeRnnNet } from '../../../ml/rnn/model';
import { predictRnn } from '../../../ml/rnn/trainer';
import { modelDir, type EngineHooks, type EngineSession } from './context';
import { prepareFeatures, resolveFeatureModel } from './features';
import type { EngineArch } from './arch';
import { frameIdsOf, sequenceMedia, sequenceSets } from './sets';

type Cfg = ReturnType<typeof resolveRnnConfig>;

function rnnConfigOf(m: ModelRow, role: 'teacher' | 'student'): Cfg {
  return resolveRnnConfig(m.config as RnnTrainConfigInput, role);
}

/** The feature model of a configuration (owned by `owner`), or an error naming it. */
function featureModel(sess: EngineSession, cfg: Cfg, owner: ModelRow): ModelRow {
  return getModel(sess.project.db, cfg.featuresFrom!) ?? (() => { throw new Error(`the feature model ${cfg.featuresFrom} of ${owner.name} is gone`); })();
}

export const rnnEngine: EngineArch<Cfg, z.output<typeof RnnTeacherParams>, z.output<typeof RnnStudentParams>, { featuresFrom: number }> = {
  arch: 'cnn-rnn',
  label: 'CNN-RNN',
  logPrefix: 'CNN-RNN ',
  namePrefix: 'rnn-',
  config: rnnConfigOf,

  async createTeacher(sess, p) {
    const db = sess.project.db;
    const ref = p.featuresFrom === undefined ? undefined : resolveModelRef(db, p.featuresFrom).id;
    const cnn = await resolveFeatureModel(db, sess.project.dir, ref);
    const { resume: _r, ...rest } = p;
    const cfg = resolveRnnConfig({ ...rest, featuresFrom: cnn.id }, 'teacher');
    const created = createModel(db, { kind: 'teacher', arch: 'cnn-rnn', backbone: cnn.backbone, config: { ...cfg, backend: sess.backend.name }, runId: sess.runId });
    renameModel(db, created.id, `rnn-teacher-${created.id}`);
    const model = getModel(db, created.id)!;
    return { model, cfg: rnnConfigOf(model, 'teacher') };
  },

  studentBase(sess, teacher, p) {
    const featuresFrom = rnnConfigOf(teacher, 'teacher').featuresFrom!;
    const { teacher: _t, count: _c, resume: _r, ...rest } = p;
    return resolveRnnConfig({ ...rest, featuresFrom }, 'student');
  },

  bind(sess, cfg, owner) {
    const cnn = featureModel(sess, cfg, owner);
    return {
      backbone: cnn.backbone,
      describe: (model) =>
        `CNN-RNN teacher ${model.name}: features of ${cnn.name} (${cnn.backbone}), windows ${cfg.window} (stride ${cfg.trainStride}), ${cfg.epochs} epochs, batch ${cfg.batch}, lr ${cfg.lr}`,
      result: { featuresFrom: cnn.id },
      ensembleConfig: { featuresFrom: cnn.id },
      sets: (hooks) => sequenceSets(sess, cfg.datasets, hooks),
      async open(sets, hooks) {
        const features = await prepareFeatures(sess, cnn, frameIdsOf(sets.train, sets.val), hooks);
        return { input: { features, isSequence: sequenceMedia(sess) }, close: () => features.close() };
      },
    };
  },

  async predict(sess: EngineSession, m: ModelRow, s: SampleSet, missing: readonly number[], hooks: EngineHooks) {
    const cfg = rnnConfigOf(m, m.kind === 'teacher' ? 'teacher' : 'student');
    const cnn = getModel(sess.project.db, cfg.featuresFrom ?? -1);
    if (!cnn) throw new Error(`model ${m.id} (${m.name}): its feature model ${cfg.featuresFrom} is gone`);
    const isSeq = sequenceMedia(sess);
    const wanted = new Set(missing);
    const media = new Set(missing.filter((i) => isSeq(s.mediaId[i])).map((i) => s.mediaId[i]));
    const rows: number[] = [];
    for (let i = 0; i < s.n; i++) if (wanted.has(i) || media.has(s.mediaId[i])) rows.push(i);
    const features = await prepareFeatures(sess, cnn, rows.map((r) => s.frameId[r]), hooks);
    const { net } = await loadRnnNet(modelDir(sess.project, m.id));
    try {
      const rec = await predictRnn(net, features, s, {
        rows,
        stride: cfg.evalStride,
        isSequence: isSeq,
        batch: cfg.batch,
        onBatch: async (done, total) => {
          hooks.progress(done, total, `predicting with ${m.name}`);
          await hooks.checkpoint();
        },
      });
      const position = new Map(rows.map((r, k) => [r, k]));
      const out = new Float32Array(missing.length * SOFT_LABEL_WIDTH);
      missing.forEach((row, k) => out.set(rec.subarray(position.get(row)! * SOFT_LABEL_WIDTH, (position.get(row)! + 1) * SOFT_LABEL_WIDTH), k * SOFT_LABEL_WIDTH));
      return out;
    } finally {
      disposeRnnNet(net);
      features.close();
    }
  },
};
