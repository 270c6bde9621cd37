// A small project for the review tests, written straight into the database with values the tests
// recompute by hand: one media item of N frames with imported AU/EXPR/VA labels on known frames, a
// ready teacher with per-AU thresholds and soft labels on every frame, and a backend over it with
// the in-process client (a JSON round trip, as over HTTP).
import path from 'node:path';
import { Backend } from '../../src/node/app/backend';
import { decodeSoftLabel, encodeSoftLabel, softLabelProbabilities } from '../../src/shared/softlabels';
import { MODEL_AUS } from '../../src/shared/labels';
import { inProcessClient } from '../../src/node/app/inprocess';
import type { ApiClient } from '../../src/shared/client';
import type { Input, MethodName, Output } from '../../src/shared/contract';
import { tempDir } from './helpers';
import { AU_MASK, importedOf, logitsOf, THRESHOLDS } from './review-patterns';

export { AU_MASK, importedOf, logitsOf, THRESHOLDS };

/** The model's probabilities of frame i, through the stored record (float32 rounding included). */
export const storedProbabilities = (i: number) => softLabelProbabilities(decodeSoftLabel(encodeSoftLabel(logitsOf(i))));

/** Imported 8-AU vector of frame i (-1 unlabelled AU), null when the frame has no AU label. */
export function importedAuVector(i: number): number[] | null {
  const b = importedOf(i).auBits;
  if (b === null) return null;
  return MODEL_AUS.map((n) => ([1, 2, 4, 12].includes(n) ? ((b >> n) & 1) : -1));
}

export interface ReviewFixture {
  dir: string;
  backend: Backend;
  client: ApiClient;
  mediaId: number;
  teacherId: number;
  frames: number;
  call<M extends MethodName>(m: M, input: Input<M>): Promise<Output<M>>;
  close(): Promise<void>;
}

export async function reviewFixture(frames = 120, opts: { softLabels?: boolean } = {}): Promise<ReviewFixture> {
  const tmp = tempDir('aw-review-');
  process.env.AW_HOME = path.join(tmp.dir, 'home');
  const backend = new Backend({ transport: 'inprocess' });
  const p = backend.openProject(path.join(tmp.dir, 'project'), true, 'review test');
  const db = p.db;
  const now = '2026-01-01T00:00:00.000Z';
  let mediaId = 0;
  let teacherId = 0;
  db.transaction(() => {
    const ds = db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('ds', 'csv', ?)`).run(now).lastInsertRowid;
    const ts = Buffer.alloc(frames * 8);
    for (let i = 0; i < frames; i++) ts.writeDoubleLE((i * 1001) / 24000, i * 8);
    mediaId = Number(
      db
        .prepare(
          `INSERT INTO media(dataset_id, name, kind, path, fps, fps_rational, width, height, frame_count, timestamps, pts_offset, created_at)
           VALUES (?, 'clip', 'video', 'media/clip.mp4', ?, '24000/1001', 320, 240, ?, ?, 0.5, ?)`,
        )
        .run(ds, 24000 / 1001, frames, ts, now).lastInsertRowid,
    );
    teacherId = Number(
      db
        .prepare(`INSERT INTO models(name, kind, arch, thresholds, status, created_at) VALUES ('teacher-1', 'teacher', 'cnn', ?, 'ready', ?)`)
        .run(JSON.stringify(THRESHOLDS), now).lastInsertRowid,
    );
    const fr = db.prepare(`INSERT INTO frames(media_id, idx) VALUES (?, ?)`);
    const lab = db.prepare(
      `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at) VALUES (?, ?, 'imported', ?, ?, ?, ?, ?, 'imported', ?)`,
    );
    const soft = db.prepare('INSERT INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
    for (let i = 0; i < frames; i++) {
      const fid = fr.run(mediaId, i).lastInsertRowid;
      const l = importedOf(i);
      if (l.auBits !== null) lab.run(fid, 'au', AU_MASK, l.auBits, null, null, null, now);
      if (l.expr !== null) lab.run(fid, 'expr', null, null, l.expr, null, null, now);
      if (l.va) lab.run(fid, 'va', null, null, null, l.va[0], l.va[1], now);
      if (opts.softLabels !== false) soft.run(teacherId, fid, encodeSoftLabel(logitsOf(i)));
    }
  })();
  const client = inProcessClient(backend);
  return {
    dir: p.dir,
    backend,
    client,
    mediaId,
    teacherId,
    frames,
    async call(m, input) {
      const r = await client.call(m, input);
      if (!r.ok) throw new Error(`${m}: ${r.error.code}: ${r.error.message}`);
      return r.value;
    },
    async close() {
      await backend.close();
      tmp.cleanup();
    },
  };
}
