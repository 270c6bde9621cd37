// A model's soft labels for the export stream, 1,024 frames per query as ONE blob: the records
// concatenated in order by SQLite (group_concat is binary-safe on BLOBs; the result is cast back to
// BLOB) and read in place, instead of one Buffer per row (~1 µs each, the largest single cost of an
// export with model fills).
//
// Two ways to fetch a chunk:
//  - by frame id (the usual case: a media item's frames were inserted in order, so their ids are
//    consecutive): a range scan of the soft_labels primary key, [id, id + 1023] clipped to the
//    media's ids. Used while every id of the range has a record of one size (record k is at
//    k × size) and the frames come in id order (a chunk serves many frames);
//  - by frame index, the general case: the media's frames in [idx, idx + 1023] joined to their
//    records (a key lookup each), plus the record lengths ("224,224,0,…") when they are not all there
//    and all of one size.
// Frames are asked for in the stream's order (index order, each once); a chunk starts at the frame
// that needs it, so an index chunk covers exactly the frames the stream returns in its range.
import type { Db } from '../store/database';
import type { LogitReader } from '../../shared/softlabels';

const CHUNK = 1024;
/** An id chunk serving fewer frames than this means the ids are not in index order: switch to index chunks. */
const MIN_SERVED = 64;

export class SoftChunks {
  private readonly byId;
  private readonly byIdx;
  private readonly lengths;
  private readonly idRange;
  private media = 0;
  private mode: 'id' | 'idx' = 'id';
  private maxId = 0;
  private lo = 0;
  private hi = -1;
  private served = 0;
  /** Record size when uniform, else 0 and `lens` lists them (index chunks). */
  private stride = 0;
  private lens = '';
  private pos = 0;
  private blob: Buffer | null = null;
  private off = 0;

  constructor(db: Db, model: number, splitSql: string) {
    const agg = `count(s.data), min(length(s.data)), max(length(s.data))`;
    this.byId = db
      .prepare(`SELECT ${agg}, CAST(group_concat(s.data, '' ORDER BY s.frame_id) AS BLOB) FROM soft_labels s WHERE s.model_id = ${model} AND s.frame_id BETWEEN ? AND ?`)
      .raw(true);
    const from = `FROM frames f LEFT JOIN soft_labels s ON s.model_id = ${model} AND s.frame_id = f.id
      WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?${splitSql}`;
    this.byIdx = db.prepare(`SELECT count(*), ${agg}, CAST(group_concat(s.data, '' ORDER BY f.idx) AS BLOB) ${from}`).raw(true);
    this.lengths = db.prepare(`SELECT group_concat(ifnull(length(s.data), 0), ',' ORDER BY f.idx) ${from}`).pluck();
    this.idRange = db.prepare('SELECT MAX(id) FROM frames WHERE media_id = ?').pluck();
  }

  startMedia(id: number): void {
    this.media = id;
    this.mode = 'id';
    this.maxId = this.idRange.get(id) as number;
    this.hi = -1;
    this.lo = 0;
    this.served = MIN_SERVED;
    this.blob = null;
  }

  /** Points `reader` at the record of frame `frameId` (index `idx`); false when it has none. */
  next(frameId: number, idx: number, reader: LogitReader): boolean {
    if (this.mode === 'id') {
      if (frameId >= this.lo && frameId <= this.hi) {
        this.served++;
        reader.read(this.blob!, (frameId - this.lo) * this.stride, this.stride);
        return true;
      }
      if (this.served < MIN_SERVED || !this.loadIds(frameId)) {
        this.mode = 'idx';
        this.hi = -1;
      } else return this.next(frameId, idx, reader);
    }
    return this.nextByIdx(idx, reader);
  }

  /** Loads the id chunk starting at `frameId`; false when it is not dense (a frame without a record, mixed sizes). */
  private loadIds(frameId: number): boolean {
    const hi = Math.max(frameId, Math.min(frameId + CHUNK - 1, this.maxId));
    const [records, min, max, blob] = this.byId.get(frameId, hi) as [number, number | null, number | null, Buffer | null];
    if (records !== hi - frameId + 1 || min !== max || blob === null) return false;
    this.lo = frameId;
    this.hi = hi;
    this.stride = min!;
    this.blob = blob;
    this.served = 0;
    return true;
  }

  private nextByIdx(idx: number, reader: LogitReader): boolean {
    if (idx > this.hi) {
      const hi = idx + CHUNK - 1;
      const [frames, records, min, max, blob] = this.byIdx.get(this.media, idx, hi) as [number, number, number | null, number | null, Buffer | null];
      this.hi = hi;
      this.blob = records > 0 ? blob : null;
      this.off = 0;
      this.stride = records === frames && min === max ? (min ?? 0) : 0;
      if (this.stride === 0 && records > 0) {
        this.lens = this.lengths.get(this.media, idx, hi) as string;
        this.pos = 0;
      }
    }
    if (this.blob === null) return false;
    let len = this.stride;
    if (len === 0) {
      const s = this.lens;
      let p = this.pos;
      for (let c = s.charCodeAt(p); c >= 48 && c <= 57; c = s.charCodeAt(++p)) len = len * 10 + c - 48;
      this.pos = p + 1;
      if (len === 0) return false;
    }
    reader.read(this.blob, this.off, len);
    this.off += len;
    return true;
  }
}
