// Terminal summaries of evaluation results and models.
import type { z } from 'zod';
import type { ModelRow } from '../node/store/models';
import type { JobResult } from '../shared/jobs-contract';
import type { EvaluationBlock } from '../shared/training-contract';
import type { Split } from '../shared/labels';
import { cell, COLUMNS, commonCounts, countsText, rowLabels, scoreText, tableCaption, type Table2Group } from '../shared/table2';

const f = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(4));

/** A training run's validation block, or the evaluate job's report (the block with the model, dataset, split and AU at 0.5). */
export type PrintableEvaluation = z.output<typeof EvaluationBlock> & Partial<Pick<JobResult<'evaluate'>, 'model' | 'dataset' | 'split' | 'auTuned' | 'auThresholdsTunedOn'>>;

export function formatEvaluation(b: PrintableEvaluation | null): string {
  if (!b) return '(no validation metrics)';
  const lines: string[] = [];
  if (b.model) lines.push(`model #${b.model.id} ${b.model.name} on ${b.dataset ?? 'all datasets'} (${b.split})`);
  if (b.n) lines.push(`  frames with labels: AU ${b.n.au}, EXPR ${b.n.expr}, VA ${b.n.va}`);
  // AU decisions at 0.5 (the paper's Table 2); thresholds tuned on another split only where they were (never on the split reported).
  const tuned = b.auTuned && b.auThresholdsTunedOn ? `; at thresholds tuned on ${b.auThresholdsTunedOn}: ${f(b.auTuned.score)}` : '';
  lines.push(`  AU    0.5·F1+0.5·Acc  ${f(b.au?.score)}   (F1 ${f(b.au?.f1)}, Acc ${f(b.au?.acc)}, thresholds 0.5${tuned})`);
  lines.push(`  EXPR  0.67·F1+0.33·Acc ${f(b.expr?.score)}   (F1 ${f(b.expr?.f1)}, Acc ${f(b.expr?.acc)})`);
  lines.push(`  V     CCC             ${f(b.valence?.ccc)}`);
  lines.push(`  A     CCC             ${f(b.arousal?.ccc)}`);
  return lines.join('\n');
}

/**
 * One stored Table 2 as the Results tab shows it (src/shared/table2.ts: the same caption, counts,
 * row names and cells): what it is measured against, the dataset and split, the frames per task,
 * then a row per model; the AU score at the thresholds tuned on val beside it where a row has one.
 */
export function formatTable2(t: Table2Group & { dataset: string; split: Split }): string {
  const labels = rowLabels(t.rows);
  const names = t.rows.map((r) => `${r.name} #${r.modelId}`);
  const tuned = t.rows.some((r) => cell(r, 'au', true) !== null);
  const lw = Math.max(16, ...labels.map((l) => l.length));
  const nw = Math.max(5, ...names.map((n) => n.length));
  const num = (s: string) => s.padStart(8);
  const head = `  ${'Methods'.padEnd(lw)}  ${'Model'.padEnd(nw)}${COLUMNS.map((c) => num(c.label)).join('')}${tuned ? '  FAU at thresholds tuned on val' : ''}`;
  const lines = [tableCaption(t), `  ${countsText(commonCounts(t.rows))}`, head];
  t.rows.forEach((r, i) => {
    const cells = COLUMNS.map((c) => num(scoreText(cell(r, c.key)))).join('');
    lines.push(`  ${labels[i].padEnd(lw)}  ${names[i].padEnd(nw)}${cells}${tuned ? `  ${scoreText(cell(r, 'au', true))}` : ''}`);
  });
  return lines.join('\n');
}

export function formatModels(models: ModelRow[]): string {
  if (!models.length) return 'no models yet: `affect-workbench train teacher DIR`';
  return models
    .map((m) => `#${m.id}  ${m.name.padEnd(22)} ${m.kind.padEnd(8)} ${m.arch.padEnd(7)} ${(m.backbone ?? '').padEnd(9)} ${m.status}${m.parentId ? `  (teacher #${m.parentId})` : ''}${m.members ? `  members ${m.members.join(',')}` : ''}`)
    .join('\n');
}
