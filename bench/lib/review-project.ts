// The review benchmarks' project content: imported labels on known frames and a ready teacher with a
// soft label on every frame (the patterns of tests/unit/review-patterns.ts), so the overlay and the
// timeline draw what they draw for a real project.
import { encodeSoftLabel } from '../../src/shared/softlabels';
import type { Project } from '../../src/node/store/project';
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
