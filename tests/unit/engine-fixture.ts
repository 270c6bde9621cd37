// A small project with real rendered face crops and partial labels, built without ffmpeg: the demo
// renderer's faces go straight into the crop cache. Videos alternate AU-only / EXPR-only / VA-only.
import { demoVideoContent } from '../../src/node/demo/generate';
import { renderFace } from '../../src/node/demo/face';
import { Project } from '../../src/node/store/project';
import { openCropCache } from '../../src/node/store/crop-cache';
import { MODEL_AUS } from '../../src/shared/labels';

export interface FixtureOptions {
  videos?: number;
  frames?: number;
  seed?: number;
}

export async function buildEngineFixture(dir: string, o: FixtureOptions = {}): Promise<Project> {
  const videos = o.videos ?? 6;
  const frames = o.frames ?? 40;
  const p = Project.create(dir, 'engine fixture');
  const cache = openCropCache(p.dir);
  const now = new Date().toISOString();
  const db = p.db;
  db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('synth', 'test', ?)`).run(now);
  const tasks = ['au', 'expr', 'va'] as const;
  for (let v = 0; v < videos; v++) {
    const c = demoVideoContent(o.seed ?? 7, v, frames);
    const split = v % 3 === 2 ? 'val' : 'train';
    const task = tasks[Math.floor(v / 1) % 3];
    const mediaId = Number(
      db.prepare(`INSERT INTO media(dataset_id, name, kind, path, frame_count, created_at) VALUES (1, ?, 'sequence', ?, ?, ?)`).run(c.name, c.name, frames, now)
        .lastInsertRowid,
    );
    const crops: { frameId: number; rgb: Uint8Array }[] = [];
    db.transaction(() => {
      for (let f = 0; f < frames; f++) {
        const fid = Number(db.prepare(`INSERT INTO frames(media_id, idx, split, face) VALUES (?, ?, ?, 'ok')`).run(mediaId, f, split).lastInsertRowid);
        const a = c.track[f];
        // Validation frames carry every task, so metrics exist for all of them.
        const labelled = split === 'val' ? tasks : [task];
        for (const t of labelled) {
          if (t === 'au') {
            let mask = 0n;
            let bits = 0n;
            for (const n of MODEL_AUS) {
              mask |= 1n << BigInt(n);
              if ((a.intensities[n] ?? 0) >= 0.5) bits |= 1n << BigInt(n);
            }
            db.prepare(`INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, provenance, updated_at) VALUES (?, 'au', 'imported', ?, ?, 'imported', ?)`).run(fid, mask, bits, now);
          } else if (t === 'expr') {
            db.prepare(`INSERT INTO labels(frame_id, task, layer, expr, provenance, updated_at) VALUES (?, 'expr', 'imported', ?, 'imported', ?)`).run(fid, a.expression, now);
          } else {
            db.prepare(`INSERT INTO labels(frame_id, task, layer, valence, arousal, provenance, updated_at) VALUES (?, 'va', 'imported', ?, ?, 'imported', ?)`).run(
              fid,
              a.valence,
              a.arousal,
              now,
            );
          }
        }
        crops.push({ frameId: fid, rgb: renderFace(c.identity, a.intensities, c.styles[f], 112) });
      }
    })();
    await cache.putCrops(crops);
  }
  cache.close();
  return p;
}

/** A run's run_epochs rows: the row's epoch, the model it belongs to and that model's own epoch. */
export function epochRows(p: Project, runId: number): { epoch: number; modelId: number; studentEpoch: number }[] {
  const rows = p.db.prepare('SELECT epoch, metrics FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as { epoch: number; metrics: string }[];
  return rows.map((r) => {
    const m = JSON.parse(r.metrics) as { modelId: number; epoch: number };
    return { epoch: r.epoch, modelId: m.modelId, studentEpoch: m.epoch };
  });
}
