// What the engine's jobs (./algorithm.ts) and records (./records.ts) ask of an architecture on top
// of its trainer (src/ml/train/arch.ts): which frames it trains on, what it reads while training
// (crops, cached CNN features), how its models are named and described, and how a model of it
// predicts records. The CNN: ./cnn-arch.ts; the CNN-RNN: ./rnn-arch.ts; ./archs.ts has both.
import type { ModelRow } from '../../store/models';
import type { SampleSet } from '../../../shared/samples';
import type { Arch } from '../../../ml/train/arch';
import type { JobConfig, TrainSets } from '../../../ml/algorithm';
import type { EngineHooks, EngineSession } from './context';

/** What an architecture's job reads for training: the trainer input's own fields, and their release. */
export interface OpenedInputs {
  input: object;
  close(): void;
}

/** An architecture bound to one job's configuration (and its feature model, for the CNN-RNN). */
export interface BoundArch<R extends object = object> {
  /** The backbone recorded with the models the job creates. */
  backbone: string | null;
  /** The teacher job's first log line. */
  describe(model: ModelRow): string;
  /** Extra fields of the teacher job's result. */
  result: R;
  /** Extra fields of an ensemble's stored config. */
  ensembleConfig: Record<string, unknown>;
  sets(hooks: EngineHooks): TrainSets;
  open(sets: TrainSets, hooks: EngineHooks): Promise<OpenedInputs>;
}

/** The record-predicting part of an architecture (all ./records.ts needs). */
export interface RecordsArch {
  /** Records (55 floats per row) of a ready model `m` for `rows` of `s`, in `rows` order. */
  predict(sess: EngineSession, m: ModelRow, s: SampleSet, rows: readonly number[], hooks: EngineHooks): Promise<Float32Array>;
}

export interface EngineArch<C extends JobConfig, TP extends { resume?: number }, SP, R extends object = object> extends RecordsArch {
  arch: Arch;
  /** 'CNN', 'CNN-RNN': in messages. */
  label: string;
  /** '' or 'CNN-RNN ': before "student"/"students" in logs. */
  logPrefix: string;
  /** '' or 'rnn-': before the names of students and ensembles. */
  namePrefix: string;
  /** A model's stored configuration, resolved for a role. */
  config(m: ModelRow, role: 'teacher' | 'student'): C;
  /** A new teacher from the teacher job's parameters, and its configuration. */
  createTeacher(sess: EngineSession, params: TP): Promise<{ model: ModelRow; cfg: C }>;
  /** The base configuration of the students of `teacher`. */
  studentBase(sess: EngineSession, teacher: ModelRow, params: SP): C;
  bind(sess: EngineSession, cfg: C, owner: ModelRow): BoundArch<R>;
  /** Whether students of this configuration learn from the teacher's stored soft labels (else the teacher runs during training). */
  usesStoredTeacherRecords(cfg: C): boolean;
}
