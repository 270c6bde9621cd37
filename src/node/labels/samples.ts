// Reads a project's samples (src/ml/data/samples.ts SampleSet): every usable frame of the chosen
// datasets and splits with its effective labels (human corrections over imported ground truth).
import type { Db } from '../store/database';
import { MODEL_AUS, NUM_AUS, type Split, type Task } from '../../shared/labels';
import type { DownsampleFactors, SampleSet } from '../../shared/samples';

export interface SampleQuery {
  /** Dataset names; all datasets when empty/undefined. */
  datasets?: string[];
  splits?: Split[];
  /** Leave out frames marked as having no face or being unusable (default true). */
  usableOnly?: boolean;
}

interface Row {
  fid: number;
  mid: number;
  idx: number;
  did: number;
  split: Split;
  task: Task | null;
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
}

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
    SELECT f.id AS fid, f.media_id AS mid, f.idx AS idx, m.dataset_id AS did, f.split AS split,
           l.task AS task, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal
    FROM frames f JOIN media m ON m.id = f.media_id
    LEFT JOIN labels l ON l.frame_id = f.id
    WHERE m.dataset_id IN (${ids.map(() => '?').join(',') || 'NULL'})
      AND f.split IN (${splits.map(() => '?').join(',')})
      ${usable ? "AND f.face NOT IN ('none', 'unusable')" : ''}
    ORDER BY f.id, l.task, l.layer`;
  const stmt = db.prepare(sql).safeIntegers(true);
  const count = db
    .prepare(
      `SELECT COUNT(*) FROM frames f JOIN media m ON m.id = f.media_id
       WHERE m.dataset_id IN (${ids.map(() => '?').join(',') || 'NULL'}) AND f.split IN (${splits.map(() => '?').join(',')})
       ${usable ? "AND f.face NOT IN ('none', 'unusable')" : ''}`,
    )
    .pluck()
    .get(...ids, ...splits) as number;
  const s: SampleSet = {
    n: 0,
    frameId: new Int32Array(count),
    mediaId: new Int32Array(count),
    idx: new Int32Array(count),
    datasetId: new Int32Array(count),
    au: new Int8Array(count * NUM_AUS).fill(-1),
    expr: new Int8Array(count).fill(-1),
    valence: new Float32Array(count).fill(NaN),
    arousal: new Float32Array(count).fill(NaN),
    split: new Array<Split>(count),
  };
  let i = -1;
  let lastFid = -1;
  let decided = new Set<Task>();
  for (const r of stmt.iterate(...ids, ...splits) as IterableIterator<Row>) {
    const fid = Number(r.fid);
    if (fid !== lastFid) {
      i++;
      lastFid = fid;
      decided = new Set();
      s.frameId[i] = fid;
      s.mediaId[i] = Number(r.mid);
      s.idx[i] = Number(r.idx);
      s.datasetId[i] = Number(r.did);
      s.split[i] = r.split;
    }
    if (!r.task || decided.has(r.task)) continue;
    // Rows come human-layer first: the first row of a task is the one in force (NULLs = cleared).
    decided.add(r.task);
    if (r.task === 'au' && r.au_mask !== null) {
      for (let k = 0; k < NUM_AUS; k++) {
        const b = 1n << BigInt(MODEL_AUS[k]);
        if (r.au_mask & b) s.au[i * NUM_AUS + k] = (r.au_bits ?? 0n) & b ? 1 : 0;
      }
    } else if (r.task === 'expr' && r.expr !== null) {
      s.expr[i] = Number(r.expr);
    } else if (r.task === 'va' && r.valence !== null && r.arousal !== null) {
      s.valence[i] = Number(r.valence);
      s.arousal[i] = Number(r.arousal);
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

