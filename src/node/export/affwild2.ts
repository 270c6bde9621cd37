// Aff-Wild2 / ABAW annotation files, one per media item and task, in the layout of the released
// dataset:
//   OUT/AU_Set/<Split>_Set/<media>.txt     header "AU1,AU2,…", one line per frame: 0/1 per AU, -1 = unlabelled
//   OUT/EXPR_Set/<Split>_Set/<media>.txt   header "Neutral,Anger,…,Surprise", one class id per frame, -1 = unlabelled
//   OUT/VA_Set/<Split>_Set/<media>.txt     header "valence,arousal", two numbers per frame, -5,-5 = unlabelled
// <Split>_Set is Train_Set, Validation_Set or Test_Set from the media's frames (the majority, with a
// warning when a video's frames are in several splits). When the export covers several datasets each
// gets its own folder: OUT/<dataset>/AU_Set/… (a safe file name, with -<id> when two collide).
// Line k after the header is frame k−1; frames missing
// from the project (or filtered out) are unlabelled lines, so line numbers stay frame numbers.
// A task file is written only for media with at least one label of that task. AU columns are the
// AUs labelled in the dataset plus the 8 model AUs; an AU a frame's label does not cover is -1 in
// its column (a frame labelled on no AU is all -1). The format carries no sources, subjects or
// timestamps: those live in the merged CSV/JSON Lines.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/database';
import { AU_UNLABELLED, EXPR_HEADER, EXPR_UNLABELLED, VA_HEADER, VA_UNLABELLED, auHeader } from '../demo/affwild-format';
import type { Task } from '../../shared/labels';
import { AtomicFolder, BufferedFile } from './atomic';
import { drive } from './drive';
import { auValues, exportFrames, type ExportFrame } from './frames';
import type { ProgressFn } from './options';
import { auColumns, type ExportMedia, type ExportPlan } from './plan';

export const SPLIT_FOLDERS: Record<string, string> = { train: 'Train_Set', val: 'Validation_Set', test: 'Test_Set' };
const TASK_FOLDERS: Record<Task, string> = { au: 'AU_Set', expr: 'EXPR_Set', va: 'VA_Set' };

/** A media name as a file name: path separators and characters Windows refuses become '_'. */
export function safeFileName(name: string): string {
  const s = name.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_');
  return s === '' || s === '.' || s === '..' ? `_${s}` : s;
}

interface MediaFiles {
  media: ExportMedia;
  lines: number;
  next: number;
  out: Record<Task, BufferedFile>;
  used: Record<Task, boolean>;
  rel: Record<Task, string>;
}

function mediaSplit(db: Db, m: ExportMedia, warnings: string[]): string {
  const rows = db.prepare('SELECT split, COUNT(*) AS n FROM frames WHERE media_id = ? GROUP BY split ORDER BY n DESC, split').all(m.id) as { split: string; n: number }[];
  if (rows.length > 1) warnings.push(`Media ${m.name}: frames in several splits (${rows.map((r) => `${r.split} ${r.n}`).join(', ')}); its files go to ${SPLIT_FOLDERS[rows[0].split]}.`);
  return rows[0]?.split ?? 'train';
}

export async function writeAffWild2(
  db: Db,
  plan: ExportPlan,
  outDir: string,
  overwrite: boolean,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<{ rows: number; files: string[] }> {
  const folder = new AtomicFolder(outDir, overwrite);
  const files: string[] = [];
  let open: MediaFiles | null = null;
  const counter = { scanned: 0 };
  let rows = 0;
  const datasets = [...new Set(plan.media.map((m) => m.datasetId))];
  const perDataset = datasets.length > 1;
  // Dataset folder names, distinct even when two names only differ in characters a file name cannot hold.
  const folders = new Map<number, string>();
  for (const id of datasets) {
    const m = plan.media.find((x) => x.datasetId === id)!;
    let name = safeFileName(m.dataset);
    if ([...folders.values()].some((f) => f.toLowerCase() === name.toLowerCase())) name = `${name}-${id}`;
    folders.set(id, name);
  }
  const usedNames = new Set<string>();
  try {
    for (const dsId of datasets) {
      const media = plan.media.filter((m) => m.datasetId === dsId && m.frames > 0);
      if (media.length === 0) continue;
      const aus = auColumns(db, [dsId]);
      const blank = aus.map(() => AU_UNLABELLED).join(',');
      const unlabelled: Record<Task, string> = { au: blank, expr: String(EXPR_UNLABELLED), va: `${VA_UNLABELLED},${VA_UNLABELLED}` };
      const headers: Record<Task, string> = { au: auHeader(aus), expr: EXPR_HEADER, va: VA_HEADER };
      const byId = new Map(media.map((m) => [m.id, m]));

      const pad = (mf: MediaFiles, upTo: number) => {
        for (; mf.next < upTo; mf.next++) for (const t of ['au', 'expr', 'va'] as const) mf.out[t].write(`${unlabelled[t]}\n`);
      };
      const close = (mf: MediaFiles) => {
        pad(mf, mf.lines);
        for (const t of ['au', 'expr', 'va'] as const) {
          if (mf.used[t]) {
            mf.out[t].finish();
            files.push(path.join(outDir, mf.rel[t]));
          } else {
            mf.out[t].close();
            fs.rmSync(mf.out[t].file, { force: true });
          }
        }
      };
      const start = (m: ExportMedia): MediaFiles => {
        const maxIdx = db.prepare('SELECT MAX(idx) FROM frames WHERE media_id = ?').pluck().get(m.id) as number | null;
        const split = SPLIT_FOLDERS[mediaSplit(db, m, plan.warnings)];
        const base = perDataset ? folders.get(m.datasetId)! : '';
        let name = safeFileName(m.name);
        if (usedNames.has(path.join(base, split, name).toLowerCase())) {
          plan.warnings.push(`Media names ${m.name} collide as file names; this one is written as ${name}-${m.id}.txt.`);
          name = `${name}-${m.id}`;
        }
        usedNames.add(path.join(base, split, name).toLowerCase());
        const mf = { media: m, lines: Math.max(m.frameCount, (maxIdx ?? -1) + 1), next: 0 } as MediaFiles;
        mf.out = {} as MediaFiles['out'];
        mf.rel = {} as MediaFiles['rel'];
        mf.used = { au: false, expr: false, va: false };
        for (const t of ['au', 'expr', 'va'] as const) {
          mf.rel[t] = path.join(base, TASK_FOLDERS[t], split, `${name}.txt`);
          const file = folder.staging(mf.rel[t]);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          mf.out[t] = new BufferedFile(file);
          mf.out[t].write(`${headers[t]}\n`);
        }
        return mf;
      };

      const each = (f: ExportFrame) => {
        if (open === null || open.media.id !== f.mediaId) {
          if (open) close(open);
          open = start(byId.get(f.mediaId)!);
        }
        const mf: MediaFiles = open;
        pad(mf, f.frame);
        const au = auValues(f, aus);
        if (au) {
          mf.out.au.write(`${au.join(',')}\n`);
          mf.used.au = true;
        } else mf.out.au.write(`${unlabelled.au}\n`);
        if (f.expr !== null) {
          mf.out.expr.write(`${f.expr}\n`);
          mf.used.expr = true;
        } else mf.out.expr.write(`${unlabelled.expr}\n`);
        if (f.valence !== null && f.arousal !== null) {
          mf.out.va.write(`${f.valence},${f.arousal}\n`);
          mf.used.va = true;
        } else mf.out.va.write(`${unlabelled.va}\n`);
        mf.next = f.frame + 1;
      };
      rows += await drive(exportFrames(db, plan, media, plan.warnings, counter), each, counter, plan.total, onProgress, signal);
      if (open) close(open);
      open = null;
    }
    folder.commit();
    return { rows, files };
  } finally {
    const o = open as MediaFiles | null;
    if (o) for (const t of ['au', 'expr', 'va'] as const) o.out[t].close();
    folder.abort();
  }
}
