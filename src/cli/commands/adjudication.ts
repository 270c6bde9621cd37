// `affect-workbench adjudication DIR [--dataset NAME | --media ID] [--task T] [--au X] [--expr X]
// [--va X] [--limit N] [--json]`: the adjudication queue (the review screen's adjudicator mode reads
// the same, contract method adjudication.queue): counts per task, ties, adjudicated, and the queued
// frames in order. Thresholds are validated by the contract's schema, with its messages.
import { Command } from 'commander';
import { ADJUDICATION_TASKS, AdjudicationThresholds, type AdjudicationTask } from '../../shared/adjudication-contract';
import { AppError } from '../../shared/result';
import { adjudicationQueue, type QueueAnswer } from '../../node/adjudication/queue';
import { Project } from '../../node/store/project';

interface Flags {
  dataset?: string;
  media?: string;
  task: string;
  au?: string;
  expr?: string;
  va?: string;
  limit: string;
  json?: boolean;
}

function number(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new AppError('invalid-input', `${flag} takes a number, not "${v}"`);
  return n;
}

/** The queue as a few lines: counts, thresholds, then one line per queued frame. */
export function formatQueue(q: QueueAnswer, names: Map<number, string>): string {
  const c = q.counts;
  const t = (x: { au: number; expr: number; va: number; any: number }) => `${x.any} frames (AU ${x.au}, EXPR ${x.expr}, VA ${x.va})`;
  const lines = [
    `policy ${q.policy} · thresholds AU > ${q.thresholds.au}, EXPR > ${q.thresholds.expr}, VA > ${q.thresholds.va}`,
    `open: ${t(c.open)}`,
    `ties: ${t(c.ties)}`,
    `adjudicated: ${t(c.adjudicated)}`,
  ];
  for (const it of q.items)
    lines.push(`${String(it.rank).padStart(5)}  ${names.get(it.mediaId) ?? it.mediaId}  frame ${it.frame}  ${it.tasks.map((x) => `${x.task.toUpperCase()} ${x.reason}${x.aus.length ? ` (${x.aus.map((n) => `AU${n}`).join(', ')})` : ''}`).join('; ')}`);
  if (!q.items.length) lines.push('nothing to adjudicate');
  return lines.join('\n');
}

export function registerAdjudicationCommand(program: Command): Command {
  return program
    .command('adjudication')
    .description('the frames where annotators disagree (beyond per-task thresholds) or tie under the project policy, in order, with counts')
    .argument('<dir>', 'project folder')
    .option('--dataset <name>', 'only this dataset')
    .option('--media <id>', 'only this media item (its id, as `info --json` lists it)')
    .option('--task <task>', `one task or any (${ADJUDICATION_TASKS.join(', ')})`, 'any')
    .option('--au <share>', 'AU: share of annotator pairs differing on one AU above which a frame is queued (default 0)')
    .option('--expr <share>', 'EXPR: share of annotator pairs with different classes (default 0)')
    .option('--va <spread>', 'VA: spread of valence or arousal (default 0.2)')
    .option('--limit <n>', 'list at most this many frames', '200')
    .option('--json', 'print one JSON document (the contract method adjudication.queue answers the same)')
    .action((dir: string, o: Flags) => {
      if (!(ADJUDICATION_TASKS as readonly string[]).includes(o.task)) throw new AppError('invalid-input', `--task is one of ${ADJUDICATION_TASKS.join(', ')}, not "${o.task}"`);
      const raw = { au: number('--au', o.au), expr: number('--expr', o.expr), va: number('--va', o.va) };
      const thr = AdjudicationThresholds.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
      if (!thr.success) throw new AppError('invalid-input', thr.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
      const limit = number('--limit', o.limit)!;
      if (!Number.isInteger(limit) || limit < 1) throw new AppError('invalid-input', `--limit takes a positive whole number, not "${o.limit}"`);
      const mediaId = number('--media', o.media);
      const project = Project.open(dir);
      try {
        let datasetId: number | undefined;
        if (o.dataset !== undefined) {
          datasetId = project.db.prepare(`SELECT id FROM datasets WHERE name = ? AND state = 'ready'`).pluck().get(o.dataset) as number | undefined;
          if (datasetId === undefined) throw new AppError('not-found', `No dataset named "${o.dataset}" in ${project.dir}`);
        }
        const q = adjudicationQueue(project.db, { datasetId, mediaId, task: o.task as AdjudicationTask, thresholds: thr.data, direction: 'next', limit });
        const names = new Map(q.media.map((m) => [m.mediaId, m.name]));
        process.stdout.write(`${o.json ? JSON.stringify(q, null, 2) : formatQueue(q, names)}\n`);
      } finally {
        project.close();
      }
    });
}
