// Columns of the media items being reviewed, kept between calls: the overview and the work queues
// scan whole media items, and re-reading 50,000 frames per call would cost more than the scan.
// Labels are refreshed per edited range; model columns are dropped whenever soft labels may have
// changed (a job finished, or the review screen re-opened the media item).
import type { Db } from '../store/database';
import { loadLabelColumns, loadLabelRange, loadModelColumns, type LabelColumns, type ModelColumns } from './columns';

const KEEP = 4;

function remember<K, V>(m: Map<K, V>, k: K, v: V): V {
  m.delete(k);
  m.set(k, v);
  while (m.size > KEEP) m.delete(m.keys().next().value as K);
  return v;
}

export class ReviewCache {
  private readonly labels = new Map<number, LabelColumns>();
  private readonly models = new Map<string, ModelColumns>();

  constructor(private readonly db: Db) {}

  labelColumns(mediaId: number): LabelColumns {
    const c = this.labels.get(mediaId);
    return c ? remember(this.labels, mediaId, c) : remember(this.labels, mediaId, loadLabelColumns(this.db, mediaId));
  }

  modelColumns(mediaId: number, modelId: number): ModelColumns {
    const key = `${mediaId}:${modelId}`;
    const c = this.models.get(key);
    if (c) return remember(this.models, key, c);
    return remember(this.models, key, loadModelColumns(this.db, mediaId, modelId, this.labelColumns(mediaId).n));
  }

  /** After an edit, undo or redo: re-read the frames it touched. */
  refreshLabels(mediaId: number, from: number, to: number): void {
    const c = this.labels.get(mediaId);
    if (c) loadLabelRange(this.db, mediaId, c, from, to);
  }

  dropMedia(mediaId: number): void {
    this.labels.delete(mediaId);
    for (const k of [...this.models.keys()]) if (k.startsWith(`${mediaId}:`)) this.models.delete(k);
  }

  dropModels(): void {
    this.models.clear();
  }
}
