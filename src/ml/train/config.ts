// Training configuration: the schemas and the paper's defaults live in src/shared/train-config.ts
// (the renderer's dialogs validate with the same schemas); this adds what the engine resolves at
// run time: the role's default epoch count and the cross-field checks.
import { STUDENT_EPOCHS, TEACHER_EPOCHS, TrainConfig, trainConfigIssues, type TrainConfigInput } from '../../shared/train-config';

export {
  BalanceConfig,
  TrainConfig,
  type TrainConfigInput,
  TEACHER_EPOCHS,
  STUDENT_EPOCHS,
  STUDENT_COUNT,
  learningRate,
} from '../../shared/train-config';

export function resolveTrainConfig(input: TrainConfigInput, role: 'teacher' | 'student'): TrainConfig & { epochs: number } {
  const c = TrainConfig.parse(input);
  const issues = trainConfigIssues(c);
  if (issues.length) throw new Error(issues[0].message);
  return { ...c, epochs: c.epochs ?? (role === 'teacher' ? TEACHER_EPOCHS : STUDENT_EPOCHS) };
}
