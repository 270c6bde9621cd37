// The CNN-RNN's configuration: the schemas and defaults live in src/shared/rnn-config.ts (the
// renderer's dialogs validate with the same schemas); this adds what is resolved at run time: the
// role's default epoch count, the strides' defaults (half the window, the window) and the checks.
//
// Two ways in: resolveRnnConfig for a new job's parameters (missing fields get today's defaults,
// the paper's), resolveStoredRnnConfig for a configuration read back from a model (missing fields
// get RNN_LEGACY: what the model was trained with before those fields existed).
import {
  RNN_LEGACY,
  RNN_STUDENT_EPOCHS,
  RNN_TEACHER_EPOCHS,
  RnnTrainConfig,
  rnnConfigIssues,
  rnnStrides,
  type RnnTrainConfigInput,
} from '../../shared/rnn-config';

export * from '../../shared/rnn-config';

export type ResolvedRnnConfig = RnnTrainConfig & { epochs: number; trainStride: number; evalStride: number };

/** A new job's configuration: missing fields get the defaults (the paper's). */
export function resolveRnnConfig(input: RnnTrainConfigInput, role: 'teacher' | 'student'): ResolvedRnnConfig {
  const c = RnnTrainConfig.parse(input);
  const issues = rnnConfigIssues(c);
  if (issues.length) throw new Error(issues[0].message);
  return { ...c, ...rnnStrides(c), epochs: c.epochs ?? (role === 'teacher' ? RNN_TEACHER_EPOCHS : RNN_STUDENT_EPOCHS) };
}

/**
 * A configuration stored with a model (models.config): fields it lacks were not there when it was
 * trained, so they get the behaviour of that time (RNN_LEGACY), not today's defaults.
 */
export function resolveStoredRnnConfig(stored: Record<string, unknown>, role: 'teacher' | 'student'): ResolvedRnnConfig {
  const missing = (k: string) => stored[k] === undefined;
  const legacy: Record<string, unknown> = {};
  if (missing('rnnInput')) legacy.rnnInput = RNN_LEGACY.rnnInput;
  if (missing('reluAfterGru')) legacy.reluAfterGru = RNN_LEGACY.reluAfterGru;
  if (missing('studentTargets')) legacy.studentTargets = RNN_LEGACY.studentTargets;
  if (missing('studentTaskWeights')) legacy.studentTaskWeights = RNN_LEGACY.studentTaskWeights;
  if (missing('auThresholds')) legacy.auThresholds = RNN_LEGACY.auThresholds;
  if (missing('epochs')) legacy.epochs = role === 'teacher' ? RNN_LEGACY.teacherEpochs : RNN_STUDENT_EPOCHS;
  return resolveRnnConfig({ ...stored, ...legacy } as RnnTrainConfigInput, role);
}
