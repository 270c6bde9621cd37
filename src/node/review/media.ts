// The media item as the review screen needs it: per-frame timestamps (the player seeks by them, never
// by currentTime × fps), the pts offset of the file the player plays, and the models that have
// soft labels for it with the one the overlay shows by default.
import type { MediaDetail, ReviewModel } from '../../shared/review-contract';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import { listModels } from '../store/models';

interface Raw {
  id: number;
  dataset_id: number;
  dataset_name: string;
  name: string;
  kind: MediaDetail['kind'];
  fps: number | null;
  fps_rational: string | null;
  frame_count: number;
  width: number | null;
  height: number | null;
  pts_offset: number;
  timestamps: Buffer | null;
  path: string;
  proxy_path: string | null;
}

const MIME: Record<string, string> = { mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/mp4', webm: 'video/webm', mkv: 'video/webm', ogv: 'video/ogg' };

/** What the browser is told it plays; Chromium reads Matroska as WebM and QuickTime as MP4. */
export function playableMime(kind: string, file: string): string | null {
  if (kind !== 'video') return null;
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  return MIME[ext] ?? 'video/mp4';
}

export function mediaDetail(db: Db, mediaId: number): MediaDetail {
  const m = db
    .prepare(
      `SELECT m.id, m.dataset_id, d.name AS dataset_name, m.name, m.kind, m.fps, m.fps_rational, m.frame_count, m.width, m.height, m.pts_offset, m.timestamps, m.path, m.proxy_path
       FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE m.id = ?`,
    )
    .get(mediaId) as Raw | undefined;
  if (!m) throw new AppError('not-found', `No media item with id ${mediaId}`);
  const counts = new Map(
    (
      db
        .prepare('SELECT s.model_id, COUNT(*) FROM frames f JOIN soft_labels s ON s.frame_id = f.id WHERE f.media_id = ? GROUP BY s.model_id')
        .raw()
        .all(mediaId) as [number, number][]
    ).map(([id, n]) => [id, n]),
  );
  const models: ReviewModel[] = listModels(db).map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    thresholds: r.thresholds,
    softLabels: counts.get(r.id) ?? 0,
  }));
  return {
    id: m.id,
    datasetId: m.dataset_id,
    datasetName: m.dataset_name,
    name: m.name,
    kind: m.kind,
    fps: m.fps,
    fpsRational: m.fps_rational,
    frameCount: m.frame_count,
    width: m.width,
    height: m.height,
    missing: null,
    gaps: m.kind === 'video' ? [] : imageGaps(db, m.id),
    mime: playableMime(m.kind, m.proxy_path ?? m.path),
    ptsOffset: m.pts_offset,
    timestamps: m.timestamps && m.timestamps.byteLength === m.frame_count * 8 ? m.timestamps.toString('base64') : null,
    models,
    defaultModelId: defaultModel(models),
  };
}

/** Frames of a sequence without an image file, as ranges (a few numbers even for long gaps). */
export function imageGaps(db: Db, mediaId: number): [number, number][] {
  const out: [number, number][] = [];
  for (const idx of db.prepare('SELECT idx FROM frames WHERE media_id = ? AND path IS NULL ORDER BY idx').pluck().all(mediaId) as number[]) {
    const last = out[out.length - 1];
    if (last && last[1] === idx - 1) last[1] = idx;
    else out.push([idx, idx]);
  }
  return out;
}

/**
 * The same choice straight from SQL, for calls that do not name a model: EXISTS stops at the first
 * frame of the media item with a record of the model (frames index, then the soft-label key).
 */
export function defaultModelFor(db: Db, mediaId: number): number | null {
  const id = db
    .prepare(
      `SELECT model.id FROM models model
       WHERE model.status = 'ready' AND EXISTS (SELECT 1 FROM frames f JOIN soft_labels s ON s.model_id = model.id AND s.frame_id = f.id WHERE f.media_id = ?)
       ORDER BY (model.kind = 'teacher') DESC, model.id DESC LIMIT 1`,
    )
    .pluck()
    .get(mediaId) as number | undefined;
  return id ?? null;
}

/** The newest ready teacher with soft labels here, else the newest ready model with any. */
export function defaultModel(models: readonly ReviewModel[]): number | null {
  const usable = models.filter((m) => m.status === 'ready' && m.softLabels > 0).sort((a, b) => b.id - a.id);
  return (usable.find((m) => m.kind === 'teacher') ?? usable[0])?.id ?? null;
}
