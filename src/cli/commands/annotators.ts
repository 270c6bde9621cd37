// `affect-workbench annotators DIR [--policy P] [--json]`: who has a label layer in the project
// (labels per task, clearings, last change) and the annotator policy that merges their layers into
// the human labels training and export use; --policy switches it (re-materialising that layer).
import { Command } from 'commander';
import { TIE_RULE } from '../../shared/annotators';
import { annotatorNames, annotatorSummaries, policyChoices, projectPolicy, setProjectPolicy, type AnnotatorSummary } from '../../node/labels/annotations';
import { Project } from '../../node/store/project';

export interface AnnotatorsReport {
  policy: string;
  /** Set when --policy changed it: the resolved human rows after re-materialising. */
  resolved: number | null;
  choices: string[];
  tieRule: string;
  annotators: AnnotatorSummary[];
}

export function formatAnnotators(r: AnnotatorsReport): string {
  const lines = [`Annotator policy: ${r.policy}${r.resolved !== null ? ` (set; ${r.resolved.toLocaleString('en-US')} human labels resolved)` : ''}`];
  lines.push(`  choices: ${r.choices.join(', ')}`);
  lines.push(`  tie rule: ${r.tieRule}`);
  if (!r.annotators.length) {
    lines.push('No annotator has labels in this project.');
    return lines.join('\n');
  }
  const rows = [['annotator', 'role', 'AU', 'EXPR', 'VA', 'cleared', 'last change']];
  for (const a of r.annotators) {
    const cleared = a.cleared.au + a.cleared.expr + a.cleared.va;
    rows.push([a.name, a.role, String(a.labels.au), String(a.labels.expr), String(a.labels.va), String(cleared), a.lastChange]);
  }
  const widths = rows[0].map((_, k) => Math.max(...rows.map((row) => row[k].length)));
  for (const row of rows) lines.push(row.map((c, k) => (k >= 2 && k <= 5 ? c.padStart(widths[k]) : c.padEnd(widths[k]))).join('  ').trimEnd());
  return lines.join('\n');
}

export function registerAnnotatorsCommand(program: Command): Command {
  return program
    .command('annotators')
    .description('annotators with labels per task and the policy merging their layers (consensus | latest | annotator:NAME)')
    .argument('<dir>', 'project folder')
    .option('--policy <policy>', 'set the annotator policy: consensus, latest or annotator:NAME (re-materialises the human labels)')
    .option('--json', 'print one JSON document')
    .action((dir: string, o: { policy?: string; json?: boolean }) => {
      const p = Project.open(dir);
      try {
        const resolved = o.policy === undefined ? null : setProjectPolicy(p.db, o.policy).resolved;
        const report: AnnotatorsReport = {
          policy: projectPolicy(p.db),
          resolved,
          choices: policyChoices(annotatorNames(p.db, { role: 'annotator' })),
          tieRule: TIE_RULE,
          annotators: annotatorSummaries(p.db),
        };
        process.stdout.write(`${o.json ? JSON.stringify(report, null, 2) : formatAnnotators(report)}\n`);
      } finally {
        p.close();
      }
    });
}
