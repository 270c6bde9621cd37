// `affect-workbench import <format> <dir> <sources…>`: the label importers from the command line,
// with a progress bar on a terminal and a summary (rows read, frames, labels per task, skipped).
// The same runImport the data.import contract method's worker job calls.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { FACE_MODES } from '../../shared/jobs-contract';
import { SPLITS } from '../../shared/labels';
import { AppError } from '../../shared/result';
import { IMPORT_FORMATS, type ImportFormat, type ImportOptions } from '../../node/importers/options';
import { Project } from '../../node/store/project';

interface CliOptions {
  dataset?: string;
  split?: string;
  manifest?: string;
  videos?: string;
  frames?: string;
  images?: string;
  allowLengthMismatch?: boolean;
  downsample?: string;
  auThreshold?: string;
  detectFaces?: boolean;
  skipUnknownClasses?: boolean;
  skipMissing?: boolean;
  annotator?: string;
  json?: boolean;
}

/** "expr=10,va=5" → { expr: 10, va: 5 } */
export function parseDownsample(spec: string): NonNullable<ImportOptions['downsample']> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',')) {
    const m = /^\s*(au|expr|va)\s*=\s*(\d+)\s*$/i.exec(part);
    if (!m || Number(m[2]) < 1) throw new AppError('invalid-input', `--downsample: expected task=factor pairs such as "expr=10,va=5", got "${spec}"`);
    out[m[1].toLowerCase()] = Number(m[2]);
  }
  return out;
}

/** CLI flags → runImport options (validated again by runImport's schema). */
export function toImportOptions(o: CliOptions): ImportOptions {
  const opts: Record<string, unknown> = {
    dataset: o.dataset,
    split: o.split,
    manifest: o.manifest,
    videos: o.videos,
    frames: o.frames,
    images: o.images,
    allowLengthMismatch: o.allowLengthMismatch,
    downsample: o.downsample ? parseDownsample(o.downsample) : undefined,
    auThreshold: o.auThreshold !== undefined ? Number(o.auThreshold) : undefined,
    detectFaces: o.detectFaces,
    skipUnknownClasses: o.skipUnknownClasses,
    skipMissing: o.skipMissing,
    annotator: o.annotator,
  };
  for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
  return opts as ImportOptions;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs stay clean). */
function progressBar(): { update: (done: number, total: number, stage: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: '{stage} [{bar}] {percentage}% | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let stage = '';
  let started = false;
  return {
    update(done, total, s) {
      if (!started) {
        bar.start(total, done, { stage: s.padEnd(7) });
        started = true;
      }
      if (s !== stage) {
        stage = s;
        bar.setTotal(total);
      }
      bar.update(done, { stage: s.padEnd(7) });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a dataset: labels (Aff-Wild2, DISFA, ExpW, AFEW-VA, CSV manifest, class folders) or videos')
    .argument('<format>', IMPORT_FORMATS.join('|'))
    .argument('<dir>', 'project folder')
    .argument(
      '<sources...>',
      'what to import: annotation folder(s), label.lst, CSV file(s) (path,subject,split,AU<n>…,expression,valence,arousal[,annotator]: a named annotator row goes to that layer, a blank one is ground truth), class folders, videos, or merged exports (a file, or a folder of <annotator>.csv files)',
    )
    .option('--dataset <name>', 'dataset name (created, or reused on re-import; default: the format)')
    .option('--split <split>', `split for sources that carry none (${SPLITS.join('|')}; default train)`)
    .option('--manifest <file>', 'split manifest for flat layouts: JSON {name: split} / [{name, split}] / demo.json, or CSV name,split')
    .option('--videos <dir>', 'affwild2/disfa: folder of the videos the label files describe')
    .option('--frames <dir>', 'affwild2/disfa: folder of per-video frame folders (cropped_aligned/<video>/00001.jpg)')
    .option('--images <dir>', 'expw: image folder (default: origin/ or image/origin/ next to label.lst)')
    .option('--allow-length-mismatch', 'accept label files whose line count differs from the video: drop extra lines, leave missing frames unlabelled')
    .option('--downsample <spec>', 'affwild2: per-task downsampling recorded for training, e.g. "expr=10,va=5" (default au=1,expr=10,va=5)')
    .option('--au-threshold <n>', 'disfa: intensity (1-5) at or above which an AU is active (default 2)')
    .option('--detect-faces', 'csv/images: run the face pipeline instead of taking images as face crops')
    .option('--skip-unknown-classes', 'images: skip class folders that are not expressions (e.g. contempt)')
    .option('--skip-missing', 'skip (and report) entries whose video, frame folder or image is missing or unreadable')
    .option('--faces <mode>', 'after importing videos/sequences: detect (face detection + alignment), aligned (frames are already face crops) or none', 'detect')
    .option(
      '--annotator <name>',
      "merged: the annotator layer of the file's human labels where it has no annotator columns (default: the OS user); a FOLDER source holds one <annotator>.csv / <annotator>.jsonl export per annotator",
    )
    .option('--json', 'print the summary as JSON')
    .action(async (format: string, dir: string, sources: string[], o: CliOptions & { faces: string }) => {
      const faces = FACE_MODES.find((m) => m === o.faces) ?? null;
      if (faces === null && o.faces !== 'none') throw new AppError('invalid-input', `--faces must be detect, aligned or none, got "${o.faces}"`);
      if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
        throw new AppError('invalid-input', `Unknown import format "${format}"; expected one of ${IMPORT_FORMATS.join(', ')}.`);
      }
      // loaded on use: the importers pull in sharp, which other verbs do not need
      const { formatSummary } = await import('../../node/importers/index');
      const { importAndPrepare } = await import('../../node/importers/service');
      const project = Project.open(dir);
      const bar = progressBar();
      let needFaces: number[] = [];
      try {
        const r = await importAndPrepare(project, format as ImportFormat, sources, toImportOptions(o), bar.update);
        bar.stop();
        needFaces = r.needFaces;
        process.stdout.write(`${o.json ? JSON.stringify(r.summary, null, 2) : formatSummary(r.summary)}\n`);
        if (r.proxies && !o.json) process.stdout.write(`made ${r.proxies} playable proxies (H.264) for videos Chromium cannot play\n`);
      } finally {
        bar.stop();
        project.close();
      }
      if (needFaces.length && faces !== null) {
        const { runJobResult } = await import('../run-job');
        const res = await runJobResult(dir, 'faces', { mediaIds: needFaces, mode: faces }, { quiet: o.json });
        if (!o.json) process.stdout.write(`faces: ${JSON.stringify(res)}\n`);
      }
    });
}
