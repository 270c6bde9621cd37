// A demo-like project with stored evaluations written straight into its database, as `npm run demo`
// leaves them (src/node/demo/run.ts): teacher, student and ensemble evaluated on the test split
// against its labels and against the complete truth, and on the training split against the complete
// truth where the labels lacked the task. Figures are distinct per model and table, so a cell shown
// from the wrong table would be seen.
import { AU_NAMES, EXPRESSIONS } from '../../src/shared/labels';
import type { EvaluationReference, MeasuredOn } from '../../src/shared/training-contract';
import { loadNode } from './fixtures';

type Split = 'train' | 'val' | 'test';

/** The seeded tables: what each is measured against, on which split, and its frames per task. */
export const SEEDED_TABLES: { reference: EvaluationReference; measuredOn: MeasuredOn; split: Split; n: { au: number; expr: number; va: number } }[] = [
  // Partial labels: the test videos carry AU and expression labels only, so VA is "n/a" here.
  { reference: 'labels', measuredOn: 'labelled', split: 'test', n: { au: 200, expr: 400, va: 0 } },
  { reference: 'complete-truth', measuredOn: 'all', split: 'test', n: { au: 600, expr: 600, va: 600 } },
  { reference: 'complete-truth', measuredOn: 'unlabelled', split: 'train', n: { au: 1400, expr: 1000, va: 1800 } },
];

const MODELS = [
  { name: 'teacher-1', kind: 'teacher' },
  { name: 'student-1', kind: 'student' },
  { name: 'student-2', kind: 'student' },
  { name: 'ensemble-1', kind: 'ensemble' },
] as const;

function result(model: { id: number; name: string; kind: string }, t: (typeof SEEDED_TABLES)[number], base: number) {
  const au = { f1: base, acc: base + 0.1, score: base + 0.05, threshold: AU_NAMES.map(() => 0.5), perAU: Object.fromEntries(AU_NAMES.map((n, k) => [n, base + k / 100])) };
  const confusion = EXPRESSIONS.map((_, i) => EXPRESSIONS.map((__, j) => (i === j ? 10 + model.id : 2)));
  return {
    model,
    dataset: 'demo',
    split: t.split,
    reference: t.reference,
    measuredOn: t.measuredOn,
    n: t.n,
    au,
    auAtHalf: au,
    auTuned: null,
    auThresholdsTunedOn: null,
    expr: { f1: base - 0.1, acc: base, score: base - 0.06, confusion, perClass: Object.fromEntries(EXPRESSIONS.map((e) => [e, base])) },
    valence: t.n.va ? { ccc: base - 0.2 } : null,
    arousal: t.n.va ? { ccc: base - 0.25 } : null,
  };
}

export async function seedResultsProject(dir: string): Promise<void> {
  const { Project, saveEvaluation } = await loadNode();
  const p = Project.create(dir, 'Affect Workbench demo');
  const db = p.db;
  const now = new Date().toISOString();
  db.transaction(() => {
    db.prepare(`INSERT INTO datasets(name, source_format, settings, created_at) VALUES ('demo', 'affwild2', '{}', ?)`).run(now);
    const ids = MODELS.map((m) => Number(db.prepare(`INSERT INTO models(name, kind, arch, backbone, status, created_at) VALUES (?, ?, 'cnn', 'face', 'ready', ?)`).run(m.name, m.kind, now).lastInsertRowid));
    db.prepare('UPDATE models SET parent_id = ? WHERE id <> ?').run(ids[0], ids[0]);
    SEEDED_TABLES.forEach((t, ti) =>
      MODELS.forEach((m, mi) => {
        const model = { id: ids[mi], name: m.name, kind: m.kind };
        const r = result(model, t, 0.3 + ti * 0.2 + mi * 0.03);
        saveEvaluation(db, { modelId: model.id, dataset: 'demo', split: t.split, reference: t.reference, measuredOn: t.measuredOn, result: r, points: null, runId: null });
      }),
    );
  })();
  p.close();
}
