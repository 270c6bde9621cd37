// The shared second half of the image-dataset importers (csv, images): each row is an image file
// with its labels; rows are processed in batches — crops computed concurrently, then the frame,
// its labels and its crop written. A frame is found again by its image path on re-import (so
// adding images to a folder does not renumber the others); new images get the next indices.
import { AppError } from '../../shared/result';
import type { Split } from '../../shared/labels';
import type { ImportContext } from './context';
import { computeCrops, CROP_BATCH } from './crop-batch';
import { fileError } from './errors';
import type { MediaFrames } from './writer';

export interface ImageRow {
  file: string;
  /** frames.path: relative to the media folder when inside it, else absolute. */
  path: string;
  /** Where the row came from, for messages ("faces.csv line 7", "happy/img1.png"). */
  where: string;
  split: Split;
  subject: string | null;
  au?: { mask: number | bigint; bits: number | bigint };
  expr?: number;
  va?: [number, number];
}

export class ImageRowWriter {
  private readonly byPath = new Map<string, number>();
  private readonly seen = new Map<string, string>();
  /** The frame (id, index) written for each image path in this import. */
  private readonly written = new Map<string, { frameId: number; idx: number }>();
  private next: number;
  private batch: ImageRow[] = [];
  private done = 0;

  constructor(
    private readonly ctx: ImportContext,
    private readonly mf: MediaFrames,
    private readonly total: number,
  ) {
    const rows = ctx.w.db.prepare('SELECT idx, path FROM frames WHERE media_id = ?').raw().all(mf.mediaId) as [number, string | null][];
    for (const [idx, p] of rows) if (p !== null) this.byPath.set(p, idx);
    this.next = mf.size;
  }

  async add(row: ImageRow): Promise<void> {
    const prev = this.seen.get(row.path);
    if (prev !== undefined) throw new AppError('invalid-input', `${row.where}: duplicate entry for image ${row.path} (first at ${prev})`, { file: row.where });
    this.seen.set(row.path, row.where);
    this.batch.push(row);
    if (this.batch.length >= CROP_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const { ctx, mf } = this;
    const { w, sum, opts } = ctx;
    const rows = this.batch;
    this.batch = [];
    if (!rows.length) return;
    const crops = ctx.crops();
    const idxs = rows.map((r) => {
      const known = this.byPath.get(r.path);
      return known ?? -1;
    });
    const results = await computeCrops(
      ctx,
      rows.map((r, i) => ({ file: r.file, cached: idxs[i] >= 0 && mf.id(idxs[i]) > 0 && crops.hasCrop(mf.id(idxs[i])) })),
    );
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const res = results[i];
      if (res instanceof Error) {
        if (!opts.skipMissing) throw fileError(r.where, `cannot read the image ${r.path} (${res.message}); pass --skip-missing to skip unreadable images`);
        sum.skip('unreadable-image', 1, `${r.where}: cannot read the image ${r.path}; skipped`);
        continue;
      }
      let idx = idxs[i];
      if (idx < 0) {
        idx = this.next++;
        this.byPath.set(r.path, idx);
      }
      const frameId = mf.put(idx, { path: r.path, subject: r.subject, split: r.split, face: res === 'no-face' ? 'none' : 'ok' });
      this.written.set(r.path, { frameId, idx });
      if (r.au) w.addAu(frameId, r.au.mask, r.au.bits);
      if (r.expr !== undefined) w.addExpr(frameId, r.expr);
      if (r.va) w.addVa(frameId, r.va[0], r.va[1]);
      if (res !== 'cached' && res !== 'no-face') {
        crops.putStored([{ frameId, ...res }]);
        sum.s.crops++;
      }
    }
    this.done += rows.length;
    await ctx.progress(this.done, Math.max(this.total, this.done), 'images');
  }

  /** The frame written for an image path in this import (after `flush`); null when its row was skipped or not added. */
  frameOf(path: string): { frameId: number; idx: number } | null {
    return this.written.get(path) ?? null;
  }

  /** Frames of earlier imports whose image is no longer in the source keep their frame, lose their imported labels. */
  reportStale(): void {
    const stale = [...this.byPath.keys()].filter((p) => !this.seen.has(p)).length;
    if (stale) this.ctx.sum.warn(`${stale} images of an earlier import of this media are no longer in the source; their frames are kept without imported labels`);
  }
}
