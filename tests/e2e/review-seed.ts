// A project for the review tests: a frame-index-coded video (each frame shows its own index in its
// pixels) at 24000/1001 fps imported with its per-frame timestamps, imported labels on known frames
// and a ready teacher with soft labels on every frame (tests/unit/review-patterns.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { tsImport } from 'tsx/esm/api';
import { drawFrameCode } from '../../src/shared/framecode';
import { AU_MASK, importedOf, logitsOf, THRESHOLDS } from '../unit/review-patterns';
import { ROOT } from './fixtures';

type ReviewNode = typeof import('./review-node');
let loaded: Promise<ReviewNode> | null = null;
function reviewNode(): Promise<ReviewNode> {
  loaded ??= tsImport(path.join(ROOT, 'tests/e2e/review-node.ts'), import.meta.url) as Promise<ReviewNode>;
  return loaded;
}

export interface ReviewSeed {
  dir: string;
  mediaId: number;
  teacherId: number;
  frames: number;
  ptsOffset: number;
  timestamps: number[];
}

const videos = new Map<string, Promise<string>>();
/** One coded video per size, GOP and worker process (encoding is the slow part of seeding). */
function codedVideo(frames: number, width: number, height: number, gop: number): Promise<string> {
  const key = `${frames}-${width}x${height}-g${gop}`;
  let v = videos.get(key);
  if (!v) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aw-review-video-')), `coded-${key}.mp4`);
    v = reviewNode().then(async (n) => {
      await n.makeFrameCodedVideo(file, { frames, fps: '24000/1001', width, height, gop });
      return file;
    });
    videos.set(key, v);
  }
  return v;
}

export async function seedReviewProject(dir: string, opts: { frames: number; width?: number; height?: number; gop?: number; softLabels?: boolean }): Promise<ReviewSeed> {
  const n = await reviewNode();
  const video = await codedVideo(opts.frames, opts.width ?? 320, opts.height ?? 240, opts.gop ?? 24);
  const p = n.Project.create(dir, 'Review study');
  try {
    const now = new Date().toISOString();
    const ds = Number(p.db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('Coded clips', 'videos', ?)`).run(now).lastInsertRowid);
    const imp = await n.importVideoMedia(p, ds, video, { name: 'coded-24000-1001' });
    const mediaId = imp.mediaId;
    const teacherId = Number(
      p.db
        .prepare(`INSERT INTO models(name, kind, arch, backbone, thresholds, status, created_at) VALUES ('teacher-1', 'teacher', 'cnn', 'resnet-small', ?, 'ready', ?)`)
        .run(JSON.stringify(THRESHOLDS), now).lastInsertRowid,
    );
    const frames = p.db.prepare('SELECT id, idx FROM frames WHERE media_id = ? ORDER BY idx').all(mediaId) as { id: number; idx: number }[];
    const lab = p.db.prepare(
      `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at) VALUES (?, ?, 'imported', ?, ?, ?, ?, ?, 'imported', ?)`,
    );
    const soft = p.db.prepare('INSERT INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
    p.db.transaction(() => {
      for (const f of frames) {
        const l = importedOf(f.idx);
        if (l.auBits !== null) lab.run(f.id, 'au', AU_MASK, l.auBits, null, null, null, now);
        if (l.expr !== null) lab.run(f.id, 'expr', null, null, l.expr, null, null, now);
        if (l.va) lab.run(f.id, 'va', null, null, null, l.va[0], l.va[1], now);
        if (opts.softLabels !== false) soft.run(teacherId, f.id, n.encodeSoftLabel(logitsOf(f.idx)));
      }
    })();
    const m = p.db.prepare('SELECT pts_offset AS o, timestamps AS t FROM media WHERE id = ?').get(mediaId) as { o: number; t: Buffer };
    const ts = Array.from({ length: imp.frameCount }, (_, i) => m.t.readDoubleLE(i * 8));
    return { dir: p.dir, mediaId, teacherId, frames: imp.frameCount, ptsOffset: m.o, timestamps: ts };
  } finally {
    p.close();
  }
}

/**
 * An image sequence of frame-coded PNGs named 00001.png … (frame index = number − 1), without the
 * files of `gap` (frames the face cropper would have dropped), imported at 25 fps.
 */
export async function seedSequenceProject(dir: string, opts: { frames: number; gap: [number, number]; width?: number; height?: number }): Promise<{ dir: string; mediaId: number }> {
  const n = await reviewNode();
  const w = opts.width ?? 160;
  const h = opts.height ?? 120;
  const folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aw-review-seq-')), 'clip-001');
  fs.mkdirSync(folder);
  for (let i = 0; i < opts.frames; i++) {
    if (i >= opts.gap[0] && i <= opts.gap[1]) continue;
    await sharp(Buffer.from(drawFrameCode(i, w, h)), { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(path.join(folder, `${String(i + 1).padStart(5, '0')}.png`));
  }
  const p = n.Project.create(dir, 'Sequence study');
  try {
    const ds = Number(p.db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('Frames', 'images', ?)`).run(new Date().toISOString()).lastInsertRowid);
    const r = await n.importSequenceMedia(p, ds, folder, { fps: 25 });
    return { dir: p.dir, mediaId: r.mediaId };
  } finally {
    p.close();
  }
}
