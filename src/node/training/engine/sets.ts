// The sample sets of the engine's jobs: frames with a face crop; for the CNN-RNN, frames of
// sequence media (video, image sequences) only.
import { subsetRows, type SampleSet } from '../../../shared/samples';
import { datasetIds, loadSamples } from '../../labels/samples';
import { SEQUENCE_KINDS } from '../../../ml/rnn/windows';
import type { TrainSets } from '../../../ml/algorithm';
import type { EngineHooks, EngineSession } from './context';


export function withoutCrops(sess: EngineSession, s: SampleSet, what: string, hooks: EngineHooks): SampleSet {
  const out = subsetRows(s, (i) => sess.crops.has(s.frameId[i]));
  if (out.n < s.n) hooks.log(`${s.n - out.n} ${what} frames have no face crop and are left out`, 'warn');
  return out;
}

function reportSets(sets: TrainSets, hooks: EngineHooks, what = ''): TrainSets {
  hooks.log(`training frames: ${sets.train.n}; validation frames: ${sets.val.n}${what}`);
  if (sets.val.n === 0) hooks.log('no validation split: AU thresholds stay at 0.5 and no validation metrics are reported', 'warn');
  return sets;
}

/** Training and validation frames with a face crop (the CNN). */
export function trainingSets(sess: EngineSession, datasets: string[], hooks: EngineHooks): TrainSets {
  const db = sess.project.db;
  const train = withoutCrops(sess, loadSamples(db, { datasets, splits: ['train'] }), 'training', hooks);
  const val = withoutCrops(sess, loadSamples(db, { datasets, splits: ['val'] }), 'validation', hooks);
  return reportSets({ train, val }, hooks);
}

/** Media id → whether its frames form a sequence. */
export function sequenceMedia(sess: EngineSession): (mediaId: number) => boolean {
  const rows = sess.project.db.prepare('SELECT id, kind FROM media').all() as { id: number; kind: string }[];
  const seq = new Set(rows.filter((r) => SEQUENCE_KINDS.includes(r.kind)).map((r) => r.id));
  return (id) => seq.has(id);
}

/** Training and validation frames of sequence media with a face crop (the CNN-RNN). */
export function sequenceSets(sess: EngineSession, datasets: string[], hooks: EngineHooks): TrainSets {
  const isSeq = sequenceMedia(sess);
  const load = (split: 'train' | 'val', what: string) => {
    const all = loadSamples(sess.project.db, { datasets, splits: [split] });
    const seq = subsetRows(all, (i) => isSeq(all.mediaId[i]));
    if (seq.n < all.n) hooks.log(`${all.n - seq.n} ${what} frames of image datasets are left out (no sequences)`);
    return withoutCrops(sess, seq, what, hooks);
  };
  const train = load('train', 'training');
  const val = load('val', 'validation');
  return reportSets({ train, val }, hooks, ' (video and image-sequence media)');
}

/** The distinct frame ids of some sets. */
export function frameIdsOf(...sets: SampleSet[]): number[] {
  return [...new Set(sets.flatMap((s) => Array.from(s.frameId.subarray(0, s.n))))];
}

/** Frames of the datasets outside train and validation with a usable face and a crop: what soft labels read beyond the training sets. */
export function framesBeyondTraining(sess: EngineSession, datasets: string[]): number[] {
  const ids = datasetIds(sess.project.db, datasets);
  const rows = sess.project.db
    .prepare(
      `SELECT f.id FROM frames f JOIN media m ON m.id = f.media_id
       WHERE m.dataset_id IN (${ids.map(() => '?').join(',') || 'NULL'}) AND f.split NOT IN ('train', 'val') AND f.face NOT IN ('none', 'unusable')
       ORDER BY f.id`,
    )
    .pluck()
    .all(...ids) as number[];
  return rows.filter((id) => sess.crops.has(id));
}
