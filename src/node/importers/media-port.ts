// The seam between the label importers and the media/face pipeline (src/node/media, another
// module). The importers never probe videos or detect faces themselves; they call this port.
// The application wires the real implementations once at start-up:
//
//   setMediaPort({ registerVideo: registerVideoFromImporter(importVideoMedia),
//                  detectFace: … });
//
// Tests pass a port in ImportContext options instead. Without a wired port, importing videos or
// `--detect-faces` fails with a clear "not available yet" error.
import { AppError } from '../../shared/result';
import type { Project } from '../store/project';
import { storedPath } from './fsnames';

/** What the media module's probeVideo(file) returns. */
export interface VideoProbe {
  codec: string;
  width: number;
  height: number;
  fps: number;
  fpsRational: string;
  duration: number;
  /** Presentation timestamp (s) of every frame in presentation order; length = frame count. */
  timestamps: number[];
}

export interface RegisteredVideo {
  mediaId: number;
  frameCount: number;
}

/**
 * Registers `file` as a video media item named `opts.name` of `datasetId` (creating or updating it)
 * and returns its id and frame count. It runs inside the import's transaction, on project.db:
 * its writes are rolled back with the import. Slow work that is not a database row (proxies,
 * face detection) belongs after the import, as jobs.
 */
export type RegisterVideo = (project: Project, datasetId: number, file: string, opts: { name: string }) => Promise<RegisteredVideo>;

/** Finds the face in an image file and returns its aligned 112×112 RGB crop, or null when there is none. */
export type DetectFace = (file: string) => Promise<Uint8Array | null>;

export interface MediaPort {
  registerVideo?: RegisterVideo;
  detectFace?: DetectFace;
}

let current: MediaPort = {};

/** Wires the media/face implementations (called once by the app, the CLI and the worker). */
export function setMediaPort(port: MediaPort): void {
  current = { ...current, ...port };
}

export function getMediaPort(): MediaPort {
  return current;
}

export function requireRegisterVideo(port: MediaPort): RegisterVideo {
  if (!port.registerVideo) throw new AppError('not-available', 'Video import is not available yet (the media pipeline is not wired in).');
  return port.registerVideo;
}

export function requireDetectFace(port: MediaPort): DetectFace {
  if (!port.detectFace) throw new AppError('not-available', '--detect-faces is not available yet (the face pipeline is not wired in).');
  return port.detectFace;
}

/** Adapts the media module's `importVideoMedia(project, datasetId, file, opts) → mediaId`. */
export function registerVideoFromImporter(
  importVideoMedia: (project: Project, datasetId: number, file: string, opts: { name: string }) => Promise<number>,
): RegisterVideo {
  return async (project, datasetId, file, opts) => {
    const mediaId = await importVideoMedia(project, datasetId, file, opts);
    const frameCount = project.db.prepare('SELECT frame_count FROM media WHERE id = ?').pluck().get(mediaId) as number | undefined;
    if (frameCount === undefined) throw new AppError('internal', `importVideoMedia returned media ${mediaId}, which does not exist`);
    return { mediaId, frameCount };
  };
}

/**
 * A RegisterVideo from a bare probe: writes the media row (fps, size, codec, frame count, every
 * frame's timestamp as little-endian float64) itself. No proxy is made.
 */
export function registerVideoFromProbe(probeVideo: (file: string) => Promise<VideoProbe>): RegisterVideo {
  return async (project, datasetId, file, opts) => {
    const p = await probeVideo(file);
    const ts = Buffer.alloc(p.timestamps.length * 8);
    p.timestamps.forEach((t, i) => ts.writeDoubleLE(t, i * 8));
    const mediaId = project.db
      .prepare(
        `INSERT INTO media(dataset_id, name, kind, path, codec, fps, fps_rational, width, height, duration, frame_count, timestamps, created_at)
         VALUES (@datasetId, @name, 'video', @path, @codec, @fps, @fpsRational, @width, @height, @duration, @frameCount, @ts, @now)
         ON CONFLICT(dataset_id, name) DO UPDATE SET kind = 'video', path = excluded.path, codec = excluded.codec, fps = excluded.fps,
           fps_rational = excluded.fps_rational, width = excluded.width, height = excluded.height, duration = excluded.duration,
           frame_count = excluded.frame_count, timestamps = excluded.timestamps
         RETURNING id`,
      )
      .pluck()
      .get({
        datasetId,
        name: opts.name,
        path: storedPath(project.dir, file),
        codec: p.codec,
        fps: p.fps,
        fpsRational: p.fpsRational,
        width: p.width,
        height: p.height,
        duration: p.duration,
        frameCount: p.timestamps.length,
        ts,
        now: new Date().toISOString(),
      }) as number;
    return { mediaId, frameCount: p.timestamps.length };
  };
}
