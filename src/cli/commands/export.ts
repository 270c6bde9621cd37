// `affect-workbench export csv|affwild2|jsonl DIR OUT [options]`: the File → Export… of the UI,
// with a progress bar on a terminal, Ctrl+C to cancel (nothing is left under OUT), and a summary.
import path from 'node:path';
import { Argument, Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { Project } from '../../node/store/project';
import { DEFAULT_ANNOTATOR_POLICY } from '../../shared/annotators';
import {
  EXPORT_FORMATS,
  ANNOTATOR_LAYOUTS,
  listOption,
  parseAnnotatorLayout,
  parseExportAnnotatorPolicy,
  parseSources,
  parseSplits,
  runExport,
  type ExportFormat,
  type ExportOptions,
  type ExportSummary,
} from '../../node/export';

interface Flags {
  policy?: string;
  model?: string;
  probabilities?: boolean;
  dataset?: string[];
  split?: string[];
  source?: string[];
  labelledOnly?: boolean;
  force?: boolean;
  commentHeader?: boolean;
  annotators?: string;
  annotatorPolicy?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function formatSummary(s: ExportSummary): string {
  const secs = s.elapsedMs / 1000;
  const lines = [
    `Exported ${s.rows.toLocaleString('en-US')} frames to ${s.out} (${s.format}, policy ${s.policy}${s.modelId !== null ? `, model #${s.modelId}` : ''}` +
      `${s.annotatorPolicy !== DEFAULT_ANNOTATOR_POLICY ? `, annotator policy ${s.annotatorPolicy}` : ''}${s.annotators !== 'none' ? `, annotators ${s.annotators}` : ''}) ` +
      `in ${secs.toFixed(1)} s${s.format === 'csv' && s.files.length === 2 ? `; provenance in ${path.basename(s.files[1])}` : s.files.length > 1 ? `, ${s.files.length} files` : ''}.`,
    `  AU columns: ${s.aus.map((n) => `AU${n}`).join(', ')}`,
  ];
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export function exportOptions(o: Flags): ExportOptions {
  return {
    policy: o.policy,
    model: o.model,
    probabilities: !!o.probabilities,
    datasets: listOption(o.dataset),
    splits: parseSplits(listOption(o.split)),
    sources: parseSources(listOption(o.source)),
    labelledOnly: !!o.labelledOnly,
    overwrite: !!o.force,
    ...(o.commentHeader ? { commentHeader: true } : {}),
    ...(o.annotators !== undefined ? { annotators: parseAnnotatorLayout(o.annotators) } : {}),
    ...(o.annotatorPolicy !== undefined ? { annotatorPolicy: parseExportAnnotatorPolicy(o.annotatorPolicy) } : {}),
  };
}

export function registerExportCommand(program: Command): Command {
  return program
    .command('export')
    .description('export the merged labels: a per-frame CSV, Aff-Wild2 annotation files, or JSON Lines')
    .addArgument(new Argument('<format>', 'csv | affwild2 | jsonl').choices(EXPORT_FORMATS))
    .argument('<dir>', 'project folder')
    .argument('<out>', 'output file (csv, jsonl) or folder (affwild2)')
    .option('--policy <layers>', 'layers to merge: gt-only, gt+human, gt+human+model (human beats imported; the model fills gaps)', 'gt+human+model')
    .option('--model <id>', 'model that fills gaps and gives probabilities: a model id, ensemble (the newest ready one) or none', 'ensemble')
    .option('--probabilities', "add the model's probability columns (p_AU…, p_<expression>…, p_valence, p_arousal)")
    .option('--dataset <name>', 'only this dataset (repeat or comma-separate)', collect)
    .option('--split <split>', 'only these splits: train, val, test (repeat or comma-separate)', collect)
    .option('--source <source>', 'only frames with a label from: imported, human, accepted, cleared, model', collect)
    .option('--labelled-only', 'skip frames with no label (csv, jsonl)')
    .option('--force', 'replace an existing output')
    .option('--comment-header', 'csv: open the file with the "# affect-workbench merged-labels v1 …" line before the header row (the provenance is always in the sidecar <out>.json)')
    .option('--annotators <layout>', `annotator layers in the file (csv, jsonl): ${ANNOTATOR_LAYOUTS.join(' | ')} — wide: per-annotator columns <annotator>:AU1…; long: one row per annotation (frame, annotator, role, task, values)`)
    .option('--annotator-policy <policy>', "how the annotators' labels make the human label in force: consensus | latest | annotator:<name> (default: the project's)")
    .option('--json', 'print the summary as JSON')
    .action(async (format: ExportFormat, dir: string, out: string, o: Flags, cmd: Command) => {
      // An explicit --policy counts as chosen; the default does not (a missing ensemble then only warns).
      const flags = { ...o, policy: cmd.getOptionValueSource('policy') === 'default' ? undefined : o.policy };
      const options = exportOptions(flags);
      const project = Project.open(dir);
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      const bar = process.stderr.isTTY && !o.json ? new SingleBar({ format: 'export [{bar}] {percentage}% | {value}/{total} frames | ETA {eta_formatted}', hideCursor: true }) : null;
      let started = false;
      try {
        const summary = await runExport(
          project,
          format,
          out,
          options,
          (done, total) => {
            if (!bar) return;
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(done);
          },
          ac.signal,
        );
        if (started) bar?.stop();
        started = false;
        process.stdout.write(`${o.json ? JSON.stringify(summary, null, 2) : formatSummary(summary)}\n`);
      } finally {
        if (started) bar?.stop();
        process.removeListener('SIGINT', onSigint);
        project.close();
      }
    });
}
