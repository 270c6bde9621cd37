// The CNN-RNN's configuration: the schemas and defaults live in src/shared/rnn-config.ts (the
// renderer's dialogs validate with the same schemas); this adds what is resolved at run time: the
// role's default epoch count, the strides' defaults (half the window, the window) and the checks.
import {
  RNN_STUDENT_EPOCHS,
  RNN_TEACHER_EPOCHS,
  RnnTrainConfig,
  rnnConfigIssues,
  rnnStrides,
  type RnnTrainConfigInput,
} from '../../shared/rnn-config';

export * from '../../shared/rnn-config';

export type ResolvedRnnConfig = RnnTrainConfig & { epochs: number; trainStride: number; evalStride: number };

export function resolveRnnConfig(input: RnnTrainConfigInput, role: 'teacher' | 'student'): ResolvedRnnConfig {
  const c = RnnTrainConfig.parse(input);
  const issues = rnnConfigIssues(c);
  if (issues.length) throw new Error(issues[0].message);
  return { ...c, ...rnnStrides(c), epochs: c.epochs ?? (role === 'teacher' ? RNN_TEACHER_EPOCHS : RNN_STUDENT_EPOCHS) };
}
