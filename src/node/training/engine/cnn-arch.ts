// The CNN in the engine's jobs: trains on face crops of every medium (./sets.ts trainingSets),
// reads crops through the session's CropSource, predicts records from crops.
import type { z } from 'zod';
import { createModel, type ModelRow } from '../../store/models';
import type { SampleSet } from '../../../shared/samples';
import { downsampleFactors } from '../../labels/samples';
import { disposeNet, loadModel } from '../../../ml/models';
import { resolveStoredTrainConfig, resolveTrainConfig } from '../../../ml/train/config';
import { predictSamples } from '../../../ml/train/cnn';
import { studentModelSettings, type StudentParams, type TeacherParams } from '../../../shared/train-config';
import { isPretrained } from '../../../shared/train-estimate';
import { modelDir, type EngineHooks, type EngineSession } from './context';
import type { EngineArch } from './arch';
import { framesBeyondTraining, trainingSets } from './sets';

type Cfg = ReturnType<typeof resolveTrainConfig>;

/**
 * A stored model's configuration. A model trained with a frozen backbone from random weights
 * (refused for new runs since issue 16, trainConfigIssues) keeps its settings when it resumes: the
 * rule is checked on the config without the freezing, which is then put back.
 */
function storedConfig(m: ModelRow, role: 'teacher' | 'student'): Cfg {
  const frozen = m.config.freezeBackbone === true;
  const c = resolveStoredTrainConfig(frozen ? { ...m.config, freezeBackbone: false } : m.config, role);
  return frozen ? { ...c, freezeBackbone: true } : c;
}

export const cnnEngine: EngineArch<Cfg, z.output<typeof TeacherParams>, z.output<typeof StudentParams>, object> = {
  arch: 'cnn',
  label: 'CNN',
  logPrefix: '',
  namePrefix: '',
  config: storedConfig,

  async createTeacher(sess, p) {
    const cfg = resolveTrainConfig(p, 'teacher');
    const model = createModel(sess.project.db, { kind: 'teacher', backbone: cfg.backbone, config: { ...cfg, backend: sess.backend.name }, runId: sess.runId });
    return { model, cfg };
  },

  // Students take the teacher's backbone, input size, freezing, feature maps and trained blocks unless the params name them.
  studentBase: (_sess, teacher, p) => {
    const { teacher: _t, count: _c, resume: _r, resumeOf: _o, backbone, freezeBackbone, inputSize, featureMaps, trainBlocks, ...rest } = p;
    const model = studentModelSettings({ ...(teacher.backbone ? { backbone: teacher.backbone } : {}), ...teacher.config }, { backbone, freezeBackbone, inputSize, featureMaps, trainBlocks });
    return resolveTrainConfig({ ...rest, ...model }, 'student');
  },
  usesStoredTeacherRecords: () => true,

  bind: (sess, cfg) => ({
    backbone: cfg.backbone,
    describe: (model) =>
      `teacher ${model.name}: ${cfg.backbone} (${isPretrained(cfg.backbone) ? 'pretrained' : 'from random weights'}${cfg.freezeBackbone ? ', frozen' : cfg.trainBlocks !== undefined && cfg.trainBlocks !== 'all' ? `, last ${cfg.trainBlocks} blocks trained` : ''}${cfg.backboneLrScale !== 1 ? `, backbone lr ×${cfg.backboneLrScale}` : ''}), ${cfg.epochs} epochs, batch ${cfg.batch}, lr ${cfg.lr}`,
    result: {},
    ensembleConfig: {},
    sets: (hooks) => trainingSets(sess, cfg.datasets, hooks),
    // A frozen backbone's features come from the project's feature cache: computed once per backbone
    // and frame; those of the frames beyond train and validation (soft labels read them) in idle
    // learning threads while the heads train.
    open: async () => ({
      input: {
        downsample: downsampleFactors(sess.project.db),
        crops: sess.crops,
        features: sess.features,
        threads: sess.threads,
        prefetch: cfg.freezeBackbone && sess.threads > 1 ? framesBeyondTraining(sess, cfg.datasets) : [],
      },
      close() {},
    }),
  }),

  async predict(sess: EngineSession, m: ModelRow, s: SampleSet, rows: readonly number[], hooks: EngineHooks) {
    // The model's test-time augmentation, from its stored config (none for configs from before the option).
    const { tta } = storedConfig(m, m.kind === 'student' ? 'student' : 'teacher');
    const { net } = await loadModel(modelDir(sess.project, m.id));
    try {
      const sub: SampleSet = { ...s, n: rows.length, frameId: Int32Array.from(rows, (i) => s.frameId[i]) };
      return await predictSamples(net, sess.crops, sub, {
        onBatch: async (done) => {
          hooks.progress(done, rows.length, `predicting with ${m.name}`);
          await hooks.checkpoint();
        },
        // A frozen backbone's features from the cache: its heads alone run here.
        features: sess.features,
        threads: sess.threads,
        owner: m.id,
        tta,
        log: (line) => hooks.log(`${m.name}: ${line}`),
        hooks: { progress: (d, t) => hooks.progress(d, t, `caching ${m.name} features`), checkpoint: () => hooks.checkpoint() },
      });
    } finally {
      disposeNet(net);
    }
  },
};
