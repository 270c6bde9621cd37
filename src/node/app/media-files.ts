// Which file a media URL names. Only media registered in the open project can be served: a URL
// carries a media id (and a frame index for image frames), never a path, and paths stored relative
// to the project are resolved with a containment check.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import { resolveInside } from '../../base/fsutil';
import type { Project } from '../store/project';

function resolveStored(project: Project, stored: string): string {
  return path.isAbsolute(stored) ? stored : resolveInside(project.dir, stored);
}

/** `rest` is "<mediaId>" (the playable video: proxy if any) or "<mediaId>/frames/<idx>" (an image frame). */
export function mediaFileFor(project: Project, rest: string): string {
  const m = /^(\d+)(?:\/frames\/(\d+))?$/.exec(rest);
  if (!m) throw new AppError('not-found', `Not a media URL: ${rest}`);
  const mediaId = Number(m[1]);
  const media = project.db.prepare('SELECT path, proxy_path AS proxy, kind FROM media WHERE id = ?').get(mediaId) as
    | { path: string; proxy: string | null; kind: string }
    | undefined;
  if (!media) throw new AppError('not-found', `No media item with id ${mediaId}`);
  let file: string;
  if (m[2] === undefined) {
    if (media.kind !== 'video') throw new AppError('not-found', `Media ${mediaId} is not a video; request its frames`);
    file = resolveStored(project, media.proxy ?? media.path);
  } else {
    const frame = project.db.prepare('SELECT path FROM frames WHERE media_id = ? AND idx = ?').get(mediaId, Number(m[2])) as
      | { path: string | null }
      | undefined;
    if (!frame?.path) throw new AppError('not-found', `Media ${mediaId} has no image for frame ${m[2]}`);
    const base = resolveStored(project, media.path);
    file = path.isAbsolute(frame.path) ? frame.path : path.join(fs.statSync(base).isDirectory() ? base : path.dirname(base), frame.path);
  }
  if (!fs.existsSync(file)) throw new AppError('not-found', `Media file is missing: ${file}`);
  return file;
}
