// `import video`: registers video files (or every video in a folder) as media items through the
// media port, with one frame row per video frame (no labels). Proxies and face detection are the
// media module's jobs, run after the import.
import path from 'node:path';
import type { ImportContext } from './context';
import { fileError } from './errors';
import { isDirectory, listDir, storedPath } from './fsnames';
import { requireRegisterVideo } from './media-port';
import { VIDEO_EXTENSIONS } from './media-resolve';

export async function importVideos(ctx: ImportContext, sources: string[]): Promise<void> {
  const { w, opts, sum, project } = ctx;
  const register = requireRegisterVideo(ctx.port);
  const files: string[] = [];
  for (const s of sources) {
    if (isDirectory(s)) {
      for (const e of listDir(s, (bad) => sum.skip('non-utf8-name', 1, `${bad} in ${s}: file name is not valid UTF-8; skipped`))) {
        if (e.isFile && VIDEO_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) files.push(e.path);
      }
    } else if (VIDEO_EXTENSIONS.includes(path.extname(s).toLowerCase())) files.push(s);
    else throw fileError(s, `is not a video (${VIDEO_EXTENSIONS.join(', ')}) or a folder of videos`);
  }
  if (files.length === 0) throw fileError(sources[0], 'holds no video files');
  const datasetId = w.dataset(ctx.datasetName, 'video', path.resolve(sources[0]), {});
  sum.s.datasetId = datasetId;
  const split = opts.split ?? 'train';
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const name = path.basename(file, path.extname(file));
    const existing = w.findMedia(datasetId, name);
    const sameFile = existing && existing.kind === 'video' && existing.path === storedPath(project.dir, file) && existing.frameCount > 0;
    const { mediaId, frameCount } = sameFile ? { mediaId: existing.id, frameCount: existing.frameCount } : await register(project, datasetId, file, { name });
    w.frames(mediaId, { split }).ensure(frameCount);
    sum.s.rowsRead++;
    await ctx.progress(i + 1, files.length, 'videos');
  }
}
