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
  const parsed = TrainConfig.parse(input);
  const issues = trainConfigIssues(parsed);
  if (issues.length) throw new Error(issues[0].message);
  // One switch for "frozen": trainBlocks 0 is freezeBackbone (the cached-feature path).
  const c = parsed.trainBlocks === 0 ? { ...parsed, freezeBackbone: true, trainBlocks: undefined } : parsed;
  return { ...c, epochs: c.epochs ?? (role === 'teacher' ? TEACHER_EPOCHS : STUDENT_EPOCHS) };
}

/** The behaviour of configurations stored before the paper-following options existed (docs/ARCHITECTURE.md "Paper vs here"). */
export const TRAIN_LEGACY = { batching: 'proportional', studentTaskWeights: 'teacher', auThresholds: 'tuned', featureMaps: 1, tta: 'none' } as const satisfies Partial<TrainConfig>;

/**
 * A configuration stored with a model (models.config): fields it lacks were not there when it was
 * trained, so a resumed run keeps the behaviour of that time (TRAIN_LEGACY), not today's defaults.
 */
export function resolveStoredTrainConfig(stored: Record<string, unknown>, role: 'teacher' | 'student'): TrainConfig & { epochs: number } {
  const legacy = Object.fromEntries(Object.entries(TRAIN_LEGACY).filter(([k]) => stored[k] === undefined));
  return resolveTrainConfig({ ...stored, ...legacy } as TrainConfigInput, role);
}
