// The columnar label reader: a project's samples (src/ml/data/samples.ts SampleSet), every usable
// frame of the chosen datasets and splits with its labels in force (the precedence rule of
// layers.ts: human corrections over imported ground truth, a cleared human row = no label). AU bit
// sets are reduced to the 8 model AUs inside SQL (modelBits): no BigInt per row.
import type { Db } from '../store/database';
import { NUM_AUS, type Split, type Task } from '../../shared/labels';
import { unlabelledSamples, type DownsampleFactors, type SampleSet } from '../../shared/samples';
import { IS_HUMAN_SQL, modelAusInto, modelBits, takesSlot } from './layers';

export interface SampleQuery {
  /** Dataset names; all datasets when empty/undefined. */
  datasets?: string[];
  splits?: Split[];
  /** Leave out frames marked as having no face or being unusable (default true). */
  usableOnly?: boolean;
}

/** fid, mid, idx, did, split, task (0 none, 1 au, 2 expr, 3 va) + 4 × human, mask8 (NULL = no AU label), bits8, expr, valence, arousal. */
type Row = [number, number, number, number, Split, number, number | null, number | null, number | null, number | null, number | null];
const TASK_BIT = [0, 1, 2, 4];

export function datasetIds(db: Db, names?: string[]): number[] {
  if (!names || names.length === 0) return (db.prepare("SELECT id FROM datasets WHERE state = 'ready' ORDER BY id").pluck().all() as number[]);
  const ids: number[] = [];
  for (const n of names) {
    const id = db.prepare("SELECT id FROM datasets WHERE name = ? AND state = 'ready'").pluck().get(n) as number | undefined;
    if (id === undefined) throw new Error(`no dataset named "${n}" in this project`);
    ids.push(id);
  }
  return ids;
}

export function loadSamples(db: Db, q: SampleQuery = {}): SampleSet {
  const ids = datasetIds(db, q.datasets);
  const splits = q.splits ?? ['train', 'val', 'test'];
  const usable = q.usableOnly !== false;
  const sql = `
    SELECT f.id, f.media_id, f.idx, m.dataset_id, f.split,
           CASE l.task WHEN 'au' THEN 1 WHEN 'expr' THEN 2 WHEN 'va' THEN 3 ELSE 0 END + 4 * ifnull(${IS_HUMAN_SQL}, 0),
           ${modelBits('l.au_mask')}, ${modelBits('l.au_bits')}, l.expr, l.valence, l.arousal
    FROM frames f JOIN media m ON m.id = f.media_id
    LEFT JOIN labels l ON l.frame_id = f.id
    WHERE m.dataset_id IN (${ids.map(() => '?').join(',') || 'NULL'})
      AND f.split IN (${splits.map(() => '?').join(',')})
      ${usable ? "AND f.face NOT IN ('none', 'unusable')" : ''}
    ORDER BY f.id`;
  const stmt = db.prepare(sql).raw(true);
  const count = db
    .prepare(
      `SELECT COUNT(*) FROM frames f JOIN media m ON m.id = f.media_id
       WHERE m.dataset_id IN (${ids.map(() => '?').join(',') || 'NULL'}) AND f.split IN (${splits.map(() => '?').join(',')})
       ${usable ? "AND f.face NOT IN ('none', 'unusable')" : ''}`,
    )
    .pluck()
    .get(...ids, ...splits) as number;
  const s = unlabelledSamples(count);
  let i = -1;
  let lastFid = -1;
  let heldByHuman = 0; // TASK_BIT flags of the current frame
  for (const [fid, mid, idx, did, split, code, mask8, bits8, expr, val, aro] of stmt.iterate(...ids, ...splits) as IterableIterator<Row>) {
    if (fid !== lastFid) {
      i++;
      lastFid = fid;
      heldByHuman = 0;
      s.frameId[i] = fid;
      s.mediaId[i] = mid;
      s.idx[i] = idx;
      s.datasetId[i] = did;
      s.split[i] = split;
    }
    const task = code & 3;
    if (task === 0) continue;
    const human = code >= 4;
    if (!takesSlot(human, (heldByHuman & TASK_BIT[task]) !== 0)) continue;
    if (human) heldByHuman |= TASK_BIT[task];
    if (task === 1) {
      if (mask8 === null) s.au.fill(-1, i * NUM_AUS, (i + 1) * NUM_AUS);
      else modelAusInto(mask8, bits8 ?? 0, s.au, i * NUM_AUS);
    } else if (task === 2) {
      s.expr[i] = expr === null ? -1 : expr;
    } else {
      const ok = val !== null && aro !== null;
      s.valence[i] = ok ? val : NaN;
      s.arousal[i] = ok ? aro : NaN;
    }
  }
  s.n = i + 1;
  return s;
}

/** Per-dataset, per-task downsampling factors from dataset settings ({"downsample": {"va": 5}}). */
export function downsampleFactors(db: Db): DownsampleFactors {
  const out: DownsampleFactors = new Map();
  for (const r of db.prepare('SELECT id, settings FROM datasets').all() as { id: number; settings: string }[]) {
    const d = (JSON.parse(r.settings) as { downsample?: Partial<Record<Task, number>> }).downsample ?? {};
    out.set(r.id, d);
  }
  return out;
}

