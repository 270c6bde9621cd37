// Students take their teacher's backbone, input size and freezing unless told otherwise (the job's
// studentBase, the CLI and the Students dialog), and freezing a backbone without pretrained weights
// is refused by the schema's cross-field rules everywhere (trainConfigIssues).
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerEngineCommands } from '../../src/cli/commands/engine';
import { createModel, type ModelRow } from '../../src/node/store/models';
import { Project } from '../../src/node/store/project';
import { cnnEngine } from '../../src/node/training/engine/cnn-arch';
import type { EngineSession } from '../../src/node/training/engine/context';
import { jobParamsIssues } from '../../src/shared/jobs-contract';
import { StudentParams, studentModelSettings, TeacherParams, trainConfigIssues } from '../../src/shared/train-config';
import { defaultTrainForm, setTrainField, trainParams, withTeacherSettings } from '../../src/renderer/src/training/form';
import { tempDir } from './helpers';

const FROZEN_FACE = { backbone: 'face', inputSize: 112, freezeBackbone: true, epochs: 8, batch: 32, lr: 1e-4 };
const FREEZE_REFUSED = /the resnet18 backbone has no pretrained weights, so freezing it would train the heads on random features: fine-tune it \(leave out --freeze-backbone, or untick "Freeze the backbone"\) or choose the pretrained face backbone/;

const teacherRow = (config: Record<string, unknown>, backbone: string | null = String(config.backbone)): ModelRow =>
  ({ id: 7, name: 'teacher-7', kind: 'teacher', arch: 'cnn', backbone, parentId: null, members: null, status: 'ready', config, thresholds: null }) as unknown as ModelRow;
const base = (teacher: ModelRow, params: Record<string, unknown>) => cnnEngine.studentBase({} as EngineSession, teacher, StudentParams.parse({ teacher: teacher.id, ...params }));

describe('the schema: students have no model defaults of their own; frozen backbones must be pretrained', () => {
  it('leaves backbone, input size and freezing out of the students params unless given (the teacher still defaults to face)', () => {
    const p = StudentParams.parse({ teacher: 3 });
    expect([p.backbone, p.inputSize, p.freezeBackbone, p.featureMaps]).toEqual([undefined, undefined, undefined, undefined]);
    expect(p.epochs).toBeUndefined();
    expect(TeacherParams.parse({})).toMatchObject({ backbone: 'face', inputSize: 112, freezeBackbone: false, featureMaps: 2 });
  });
  it('students pool the teacher’s feature maps (so they share its cached features) unless given; a teacher stored before the field pooled one', () => {
    expect(studentModelSettings({ ...FROZEN_FACE, featureMaps: 2 }, {}).featureMaps).toBe(2);
    expect(studentModelSettings({ ...FROZEN_FACE, featureMaps: 2 }, { featureMaps: 1 }).featureMaps).toBe(1);
    expect(studentModelSettings(FROZEN_FACE, {}).featureMaps).toBe(1);
    expect(base(teacherRow({ ...FROZEN_FACE, featureMaps: 2 }), {})).toMatchObject({ backbone: 'face', freezeBackbone: true, featureMaps: 2 });
    expect(cnnEngine.config(teacherRow(FROZEN_FACE), 'teacher').featureMaps).toBe(1);
  });
  it('refuses freezing a backbone from random weights, naming the fix; the pretrained face may be frozen', () => {
    expect(trainConfigIssues({ backbone: 'resnet18', inputSize: 112, freezeBackbone: true })).toEqual([{ path: 'freezeBackbone', message: expect.stringMatching(FREEZE_REFUSED) }]);
    expect(trainConfigIssues({ backbone: 'small', inputSize: 32, freezeBackbone: true })).toHaveLength(1);
    expect(trainConfigIssues({ backbone: 'face', inputSize: 112, freezeBackbone: true })).toEqual([]);
    expect(trainConfigIssues({ backbone: 'resnet18', inputSize: 112, freezeBackbone: false })).toEqual([]);
    // Both rules at once.
    expect(trainConfigIssues({ backbone: 'face', inputSize: 64 }).map((i) => i.path)).toEqual(['inputSize']);
  });
  it('studentModelSettings: the teacher’s unless given; another backbone keeps the teacher’s size (112 for face) and its freezing only when pretrained', () => {
    expect(studentModelSettings(FROZEN_FACE, {})).toEqual({ backbone: 'face', inputSize: 112, freezeBackbone: true, featureMaps: 1 });
    expect(studentModelSettings(FROZEN_FACE, { freezeBackbone: false })).toEqual({ backbone: 'face', inputSize: 112, freezeBackbone: false, featureMaps: 1 });
    expect(studentModelSettings(FROZEN_FACE, { backbone: 'small', inputSize: 32 })).toEqual({ backbone: 'small', inputSize: 32, freezeBackbone: false, featureMaps: 1 });
    expect(studentModelSettings({ backbone: 'small', inputSize: 48, freezeBackbone: false }, {})).toEqual({ backbone: 'small', inputSize: 48, freezeBackbone: false, featureMaps: 1 });
    expect(studentModelSettings({ backbone: 'small', inputSize: 48 }, { backbone: 'face' })).toEqual({ backbone: 'face', inputSize: 112, freezeBackbone: false, featureMaps: 1 });
    // A legacy teacher frozen from random weights: students keep its backbone, fine-tuned.
    expect(studentModelSettings({ backbone: 'small', inputSize: 32, freezeBackbone: true }, {})).toEqual({ backbone: 'small', inputSize: 32, freezeBackbone: false, featureMaps: 1 });
  });
});

describe('the students job’s base config (cnn-arch studentBase)', () => {
  it('students of a frozen-face teacher get face, 112 px, frozen by default', () => {
    expect(base(teacherRow(FROZEN_FACE), {})).toMatchObject({ backbone: 'face', inputSize: 112, freezeBackbone: true, epochs: 3 });
  });
  it('explicit params override the teacher’s', () => {
    expect(base(teacherRow(FROZEN_FACE), { freezeBackbone: false })).toMatchObject({ backbone: 'face', inputSize: 112, freezeBackbone: false });
    expect(base(teacherRow(FROZEN_FACE), { backbone: 'small', inputSize: 32, epochs: 1 })).toMatchObject({ backbone: 'small', inputSize: 32, freezeBackbone: false, epochs: 1 });
  });
  it('refuses freezing resnet18, with the message', () => {
    expect(() => base(teacherRow(FROZEN_FACE), { backbone: 'resnet18', freezeBackbone: true })).toThrow(FREEZE_REFUSED);
  });
  it('a stored model frozen from random weights (before the rule) still reads its config, frozen', () => {
    expect(cnnEngine.config(teacherRow({ backbone: 'small', inputSize: 32, freezeBackbone: true }), 'student')).toMatchObject({ backbone: 'small', freezeBackbone: true, epochs: 3 });
  });
});

describe('the Students dialog’s form', () => {
  it('takes the chosen teacher’s settings; a backbone from random weights is not frozen; ticking Freeze on one is refused at the field', () => {
    const f = withTeacherSettings(defaultTrainForm('student', { teacher: 7 }), { backbone: 'face', config: FROZEN_FACE });
    expect([f.backbone, f.inputSize, f.freezeBackbone]).toEqual(['face', '112', true]);
    const r = trainParams('student', f);
    expect(r.ok && r.start.params).toMatchObject({ backbone: 'face', inputSize: 112, freezeBackbone: true, teacher: 7 });
    const scratch = setTrainField(f, 'backbone', 'resnet18');
    expect(scratch.freezeBackbone).toBe(false);
    const refused = trainParams('student', setTrainField(scratch, 'freezeBackbone', true));
    expect(!refused.ok && refused.issues.freezeBackbone).toMatch(FREEZE_REFUSED);
    expect(jobParamsIssues('train.students', { teacher: 7 })).toEqual([]);
  });
});

describe('affect-workbench train students: the teacher’s settings', () => {
  const tmp = tempDir('aw-student-settings-');
  const dir = path.join(tmp.dir, 'p');
  afterAll(() => tmp.cleanup());

  async function cli(args: string[]): Promise<{ err: string }> {
    const program = new Command('affect-workbench').exitOverride();
    registerEngineCommands(program);
    let err = '';
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
    try {
      await program.parseAsync(['node', 'affect-workbench', ...args]);
    } finally {
      e.mockRestore();
    }
    return { err };
  }

  it('refuses --freeze-backbone on resnet18 in one line before a worker starts (no job is recorded)', async () => {
    const p = Project.create(dir);
    const teacher = createModel(p.db, { kind: 'teacher', backbone: 'face', config: FROZEN_FACE });
    p.close();
    await expect(cli(['train', 'students', dir, '--teacher', String(teacher.id), '--backbone', 'resnet18', '--freeze-backbone'])).rejects.toThrow(FREEZE_REFUSED);
    await expect(cli(['train', 'teacher', dir, '--backbone', 'small', '--freeze-backbone'])).rejects.toThrow(/the small backbone has no pretrained weights/);
    // The learning switches: contradictions and malformed per-task values, refused the same way.
    await expect(cli(['train', 'teacher', dir, '--freeze-backbone', '--train-blocks', '2'])).rejects.toThrow(/a frozen backbone trains no blocks/);
    await expect(cli(['train', 'teacher', dir, '--train-blocks', 'some'])).rejects.toThrow(/not a block count/);
    await expect(cli(['train', 'students', dir, '--teacher', String(teacher.id), '--lambda', 'au=0.8,expr=0.6'])).rejects.toThrow(/missing va/);
    await expect(cli(['train', 'students', dir, '--teacher', String(teacher.id), '--backbone-lr-scale', '0.1'])).rejects.toThrow(/needs a trained backbone/);
    const q = Project.open(dir);
    try {
      expect(q.db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(0);
    } finally {
      q.close();
    }
  });
});
