// Frames left per work queue for each media item and dataset of the project: what the home screen's
// dataset table and the review toolbar show beside the media item's own count. Each media item is
// counted under the model its review opens with (or the one asked for), with the same criteria as
// the queue itself (work.ts).
import type { DatasetWork, WorkCounts } from '../../shared/review-contract';
import type { ReviewCriteria } from '../../shared/review-criteria';
import type { Db } from '../store/database';
import type { LabelColumns, ModelColumns } from './columns';
import { defaultModelFor } from './media';
import { workCounts } from './work';

export interface ColumnSource {
  labels(mediaId: number): LabelColumns;
  model(mediaId: number, modelId: number): ModelColumns;
  thresholds(modelId: number | null): number[];
}

const zero = (): WorkCounts => ({
  uncertain: { au: 0, expr: 0, va: 0, any: 0 },
  disagree: { au: 0, expr: 0, va: 0, any: 0 },
  unlabelled: { au: 0, expr: 0, va: 0, any: 0 },
});

function addInto(sum: WorkCounts, c: WorkCounts): void {
  for (const k of ['uncertain', 'disagree', 'unlabelled'] as const) for (const t of ['au', 'expr', 'va', 'any'] as const) sum[k][t] += c[k][t];
}

/** Per dataset (ready ones; one when `datasetId` is given) and media item: frames left per queue. */
export function workSummary(db: Db, criteria: ReviewCriteria, datasetId: number | null, src: ColumnSource, modelId?: number | null): { datasets: DatasetWork[] } {
  const rows = db
    .prepare(
      `SELECT datasets.id AS datasetId, datasets.name AS datasetName, m.id AS mediaId, m.name AS name
       FROM datasets LEFT JOIN media m ON m.dataset_id = datasets.id
       WHERE datasets.state = 'ready' AND (? IS NULL OR datasets.id = ?) ORDER BY datasets.id, m.id`,
    )
    .all(datasetId, datasetId) as { datasetId: number; datasetName: string; mediaId: number | null; name: string | null }[];
  const out: DatasetWork[] = [];
  for (const r of rows) {
    let d = out[out.length - 1];
    if (!d || d.datasetId !== r.datasetId) out.push((d = { datasetId: r.datasetId, name: r.datasetName, frames: 0, counts: zero(), media: [] }));
    if (r.mediaId === null) continue;
    const model = modelId === undefined ? defaultModelFor(db, r.mediaId) : modelId;
    const lc = src.labels(r.mediaId);
    const mc = model === null ? null : src.model(r.mediaId, model);
    const counts = workCounts(lc, mc, src.thresholds(model), criteria);
    d.media.push({ mediaId: r.mediaId, name: r.name ?? '', frames: lc.n, modelId: model, counts });
    d.frames += lc.n;
    addInto(d.counts, counts);
  }
  return { datasets: out };
}
