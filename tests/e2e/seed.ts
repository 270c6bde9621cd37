// A project with one imported dataset written straight into a real project database, so the home
// screen's dataset table can be checked against counts computed here by hand.
import { loadNode } from './fixtures';

export interface SeededMedia {
  name: string;
  frames: number;
  split: 'train' | 'val' | 'test';
  /** Frames [0, n) carry a label for the task. */
  au: number;
  expr: number;
  va: number;
}

export const SEED_DATASET = 'AffWild2-mini';
export const SEED_MEDIA: SeededMedia[] = [
  { name: '1-30-1280x720', frames: 600, split: 'train', au: 400, expr: 600, va: 0 },
  { name: '2-42-640x360', frames: 450, split: 'val', au: 0, expr: 200, va: 450 },
];

export async function seedProject(dir: string, name: string): Promise<void> {
  const { Project } = await loadNode();
  const p = Project.create(dir, name);
  const now = new Date().toISOString();
  const db = p.db;
  db.transaction(() => {
    const ds = db
      .prepare(`INSERT INTO datasets(name, source_format, settings, created_at) VALUES (?, 'affwild2', '{}', ?)`)
      .run(SEED_DATASET, now).lastInsertRowid;
    const media = db.prepare(
      `INSERT INTO media(dataset_id, name, kind, path, fps, width, height, frame_count, created_at) VALUES (?, ?, 'video', ?, 30, 1280, 720, ?, ?)`,
    );
    const frame = db.prepare(`INSERT INTO frames(media_id, idx, split) VALUES (?, ?, ?)`);
    const label = db.prepare(
      `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at)
       VALUES (?, ?, 'imported', ?, ?, ?, ?, ?, 'imported', ?)`,
    );
    const mask = (1 << 1) | (1 << 2) | (1 << 4) | (1 << 12);
    for (const m of SEED_MEDIA) {
      const mediaId = media.run(ds, m.name, `media/${m.name}.mp4`, m.frames, now).lastInsertRowid;
      for (let i = 0; i < m.frames; i++) {
        const f = frame.run(mediaId, i, m.split).lastInsertRowid;
        if (i < m.au) label.run(f, 'au', mask, i % 2 ? 1 << 12 : 0, null, null, null, now);
        if (i < m.expr) label.run(f, 'expr', null, null, i % 7, null, null, now);
        if (i < m.va) label.run(f, 'va', null, null, null, 0.5, -0.25, now);
      }
    }
    db.prepare(
      `INSERT INTO models(name, kind, arch, backbone, status, created_at) VALUES ('teacher-1', 'teacher', 'cnn', 'resnet-small', 'ready', ?)`,
    ).run(now);
  })();
  p.close();
}
