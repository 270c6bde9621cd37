// Algorithm 1's training jobs in a project, once for every architecture (./arch.ts): open the
// project, create or resume the models, load the sample sets and what the trainer reads, then run
// the learning core's algorithm (src/ml/algorithm.ts) over the project's store (./store.ts). The
// CNN's entry points are in ./pipeline.ts, the CNN-RNN's in ./rnn-pipeline.ts.
import { createModel, getModel, resolveModelRef, type ModelRow } from '../../store/models';
import { trainStudentModels, trainTeacherModel, type JobConfig, type StudentPlan } from '../../../ml/algorithm';
import { openSession, type EngineHooks } from './context';
import type { BoundArch, EngineArch } from './arch';
import { projectStore } from './store';
import { studentGroup, teacherRecordsFor } from './students';

function requireArch(arch: { arch: string; label: string }, m: ModelRow, what: string): void {
  if (m.arch !== arch.arch) throw new Error(`model ${m.id} (${m.name}) is a ${m.arch} model, not a ${arch.label} ${what}`);
}

export async function teacherJob<C extends JobConfig, TP extends { resume?: number }, SP, R extends object>(arch: EngineArch<C, TP, SP, R>, projectDir: string, p: TP, hooks: EngineHooks) {
  const sess = await openSession(projectDir, hooks);
  let opened: { close(): void } | null = null;
  try {
    const db = sess.project.db;
    let model: ModelRow;
    let cfg: C;
    if (p.resume) {
      model = getModel(db, p.resume) ?? (() => { throw new Error(`no model ${p.resume} to resume`); })();
      requireArch(arch, model, 'teacher');
      if (model.status === 'ready') throw new Error(`model ${model.id} has finished training; nothing to resume`);
      cfg = arch.config(model, 'teacher');
    } else {
      ({ model, cfg } = await arch.createTeacher(sess, p));
    }
    const bound = arch.bind(sess, cfg, model);
    hooks.meta?.({ modelId: model.id });
    hooks.log(bound.describe(model));
    const sets = bound.sets(hooks);
    const inputs = await bound.open(sets, hooks);
    opened = inputs;
    try {
      const r = await trainTeacherModel(projectStore(sess, hooks), { arch: arch.arch, sets, input: inputs.input }, model.id, cfg, hooks);
      return { modelId: model.id, name: model.name, ...bound.result, epochs: r.epochs, resumedFrom: r.resumedFrom, thresholds: r.thresholds, val: r.val, backend: sess.backend.name };
    } catch (e) {
      // A cancelled or crashed run keeps its checkpoint; the supervisor marks its model 'failed'; it resumes by job id.
      hooks.log(`training stopped: ${(e as Error).message}; the last checkpoint is kept (resume it with --resume ${hooks.runId ?? 'JOB_ID'}, its job id)`, 'warn');
      throw e;
    }
  } finally {
    opened?.close();
    sess.close();
  }
}

/** "face (frozen) at 112 px": a CNN configuration's model settings (what students took from their teacher or were given); null for a config without a backbone. */
function modelLine(c: object): string | null {
  const { backbone, freezeBackbone, inputSize } = c as { backbone?: unknown; freezeBackbone?: unknown; inputSize?: unknown };
  if (typeof backbone !== 'string') return null;
  return `${backbone}${freezeBackbone === true ? ' (frozen)' : ''} at ${String(inputSize)} px`;
}

export interface StudentsJobParams {
  teacher: string | number;
  count: number;
  resume: boolean;
}

export async function studentsJob<C extends JobConfig, TP extends { resume?: number }, SP extends StudentsJobParams, R extends object>(
  arch: EngineArch<C, TP, SP, R>,
  projectDir: string,
  p: SP,
  hooks: EngineHooks,
) {
  const sess = await openSession(projectDir, hooks);
  let opened: { close(): void } | null = null;
  try {
    const db = sess.project.db;
    const teacher = resolveModelRef(db, p.teacher);
    requireArch(arch, teacher, 'teacher');
    if (teacher.kind === 'ensemble') throw new Error('students learn from a teacher model, not an ensemble');
    const base = arch.studentBase(sess, teacher, p);
    const model = modelLine(base);
    if (model) hooks.log(`${arch.logPrefix}students of ${teacher.name}: ${model}`);
    const bound: BoundArch<R> = arch.bind(sess, base, teacher);
    const sets = bound.sets(hooks);
    const stored = arch.usesStoredTeacherRecords(base) ? teacherRecordsFor(sess, teacher, sets.train) : new Map<number, Float32Array>();
    let students = studentGroup(sess, teacher, {
      resume: p.resume,
      count: p.count,
      baseSeed: base.seed,
      spec: (k) => ({ name: `${arch.namePrefix}student${k}-of-${teacher.id}`, arch: arch.arch, backbone: bound.backbone, config: base }),
    });
    const inputs = await bound.open(sets, hooks);
    opened = inputs;
    const plans: StudentPlan[] = students.map((id) => {
      const m = getModel(db, id)!;
      return { modelId: id, name: m.name, cfg: arch.config(m, 'student'), done: m.status === 'ready' ? { thresholds: m.thresholds ?? [] } : null };
    });
    const store = projectStore(sess, hooks);
    const out = await trainStudentModels(store, { arch: arch.arch, sets, input: inputs.input, threads: sess.threads }, stored, plans, hooks, arch.logPrefix);
    students = out.students.map((r) => r.modelId);
    const ens = createModel(db, {
      kind: 'ensemble',
      arch: arch.arch,
      name: `${arch.namePrefix}ensemble-of-${teacher.id}`,
      backbone: bound.backbone,
      parentId: teacher.id,
      members: students,
      config: { members: students, ...bound.ensembleConfig },
      runId: sess.runId,
    });
    store.setReady(ens.id, out.ensemble.thresholds);
    hooks.log(`ensemble ${ens.name} of ${students.length} ${arch.logPrefix}students`);
    const results = out.students;
    const val = out.ensemble.val;
    return { teacherId: teacher.id, students: results, ensembleId: ens.id, ensembleVal: val };
  } finally {
    opened?.close();
    sess.close();
  }
}
