// The CNN-RNN in the engine's jobs: trains on frozen CNN features (./features.ts, cached) of
// video and image-sequence media only (./sets.ts sequenceSets). At inference (soft labels,
// evaluation) a frame of an image dataset is a one-frame sequence, and the media holding the rows
// asked for are predicted whole, so windows see the same context as in a full pass.
//
// Configurations: a new teacher's come from its job's parameters with today's defaults (the
// paper's); a stored model's are read with resolveStoredRnnConfig (fields it lacks get the
// behaviour it was trained with). Students read what their teacher's GRUs read (rnnInput), so
// with studentTargets 'own-windows' the teacher runs on the student's own input windows.
import type { z } from 'zod';
import { createModel, getModel, renameModel, resolveModelRef, type ModelRow } from '../../store/models';
import type { SampleSet } from '../../../shared/samples';
import { SOFT_LABEL_WIDTH } from '../../../shared/labels';
import { resolveRnnConfig, resolveStoredRnnConfig, type RnnStudentParams, type RnnTeacherParams } from '../../../ml/rnn/config';
import { loadRnnNet } from '../../../ml/rnn/io';
import { disposeRnnNet, type RnnNet } from '../../../ml/rnn/model';
import { predictRnn } from '../../../ml/rnn/trainer';
import { modelDir, type EngineHooks, type EngineSession } from './context';
import { prepareFeatures, resolveFeatureModel } from './features';
import type { EngineArch } from './arch';
import { frameIdsOf, sequenceMedia, sequenceSets } from './sets';

type Cfg = ReturnType<typeof resolveRnnConfig>;

/** A stored model's configuration (missing fields: the behaviour it was trained with). */
function rnnConfigOf(m: ModelRow, role: 'teacher' | 'student'): Cfg {
  return resolveStoredRnnConfig(m.config, role);
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
    const { featuresFrom, rnnInput } = rnnConfigOf(teacher, 'teacher');
    const { teacher: _t, count: _c, resume: _r, ...rest } = p;
    return resolveRnnConfig({ ...rest, featuresFrom, rnnInput }, 'student');
  },

  // 'own-windows' students run the teacher on their own windows (the reference); 'stored' read its soft labels.
  usesStoredTeacherRecords: (cfg) => cfg.studentTargets === 'stored',

  bind(sess, cfg, owner) {
    const cnn = featureModel(sess, cfg, owner);
    return {
      backbone: cnn.backbone,
      describe: (model) =>
        `CNN-RNN teacher ${model.name}: ${cfg.rnnInput === 'head-embedding' ? 'head embeddings' : 'backbone features'} of ${cnn.name} (${cnn.backbone}), ` +
        `${cfg.reluAfterGru ? 'ReLU after the GRUs, ' : ''}windows ${cfg.window} (stride ${cfg.trainStride}), ${cfg.epochs} epochs, batch ${cfg.batch}, lr ${cfg.lr}`,
      result: { featuresFrom: cnn.id },
      ensembleConfig: { featuresFrom: cnn.id },
      sets: (hooks) => sequenceSets(sess, cfg.datasets, hooks),
      async open(sets, hooks) {
        const features = await prepareFeatures(sess, cnn, frameIdsOf(sets.train, sets.val), hooks, { input: cfg.rnnInput });
        // Students job (the owner is their ready teacher): the teacher net for 'own-windows'
        // targets, loaded on first use and shared by every student of the job.
        let teacher: Promise<RnnNet> | null = null;
        const teacherNet =
          owner.kind === 'teacher' && owner.status === 'ready'
            ? () => (teacher ??= loadRnnNet(modelDir(sess.project, owner.id)).then((r) => r.net))
            : undefined;
        return {
          input: { features, isSequence: sequenceMedia(sess), teacherNet },
          close: () => {
            features.close();
            void teacher?.then(disposeRnnNet, () => {});
          },
        };
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
    // The model file says what its GRUs read (an older file without rnnInput: the backbone features).
    const { net } = await loadRnnNet(modelDir(sess.project, m.id));
    let features: Awaited<ReturnType<typeof prepareFeatures>>;
    try {
      features = await prepareFeatures(sess, cnn, rows.map((r) => s.frameId[r]), hooks, { input: net.config.rnnInput });
    } catch (e) {
      disposeRnnNet(net);
      throw e;
    }
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
