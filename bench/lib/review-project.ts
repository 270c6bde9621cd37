// The review benchmarks' project content: imported labels on known frames and a ready teacher with a
// soft label on every frame (the patterns of tests/unit/review-patterns.ts), so the overlay and the
// timeline draw what they draw for a real project.
import fs from 'node:fs';
import path from 'node:path';
import { encodeSoftLabel } from '../../src/shared/softlabels';
import { makeFrameCodedVideo } from '../../src/node/demo/framecode';
import { importVideoMedia } from '../../src/node/media/video';
import { Project } from '../../src/node/store/project';
import { AU_MASK, importedOf, logitsOf, THRESHOLDS } from '../../tests/unit/review-patterns';

export function fillReviewLabels(p: Project, mediaId: number): void {
  const now = new Date().toISOString();
  const teacher = Number(
    p.db.prepare(`INSERT INTO models(name, kind, arch, thresholds, status, created_at) VALUES ('teacher-1', 'teacher', 'cnn', ?, 'ready', ?)`).run(JSON.stringify(THRESHOLDS), now)
      .lastInsertRowid,
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
      soft.run(teacher, f.id, encodeSoftLabel(logitsOf(f.idx)));
    }
  })();
}

/**
 * The review benches' project in `dir` (`dir`/project): a frame-coded video imported with its
 * per-frame timestamps and filled by fillReviewLabels. Kept between runs (`dir`/bench.json names
 * it) and rebuilt when the frame count differs. Returns the media id.
 */
export async function reviewBenchProject(
  dir: string,
  video: { frames: number; width: number; height: number; gop: number; name: string; title: string },
): Promise<number> {
  const marker = path.join(dir, 'bench.json');
  if (fs.existsSync(marker)) {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as { frames: number; mediaId: number };
    if (m.frames === video.frames) return m.mediaId;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${video.name}.mp4`);
  let t = performance.now();
  await makeFrameCodedVideo(file, { frames: video.frames, fps: '24000/1001', width: video.width, height: video.height, gop: video.gop });
  console.log(`video: ${video.frames} frames ${video.width}×${video.height}, GOP ${video.gop}, encoded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const p = Project.create(path.join(dir, 'project'), video.title);
  const ds = Number(p.db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('bench', 'videos', ?)`).run(new Date().toISOString()).lastInsertRowid);
  t = performance.now();
  const { mediaId } = await importVideoMedia(p, ds, file, { name: video.name });
  console.log(`import: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  fillReviewLabels(p, mediaId);
  p.close();
  fs.writeFileSync(marker, JSON.stringify({ frames: video.frames, mediaId }));
  return mediaId;
}
