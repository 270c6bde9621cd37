// Finding and registering the media item a label file belongs to (Aff-Wild2 and DISFA):
//  - `--videos DIR`: a video file named after the labels (v1.mp4, .avi, …); Aff-Wild2's
//    "<video>_left" / "<video>_right" label files (two subjects in one video) fall back to <video>.*.
//    Registered through the media port (probe: fps, frame count, timestamps).
//  - `--frames DIR`: an image-sequence folder DIR/<name>/00001.jpg …; frames without an image get
//    face = 'none'.
//  - neither: label-only media (kind 'sequence', path = the first label file, frames without
//    images) — unless the dataset already has that media item, which is then reused as it is.
import fs from 'node:fs';
import path from 'node:path';
import type { Split } from '../../shared/labels';
import type { LabelTarget } from './affwild2-file';
import type { ImportContext } from './context';
import { fileError } from './errors';
import { isDirectory, listDir, relPath, storedPath } from './fsnames';
import { requireRegisterVideo } from './media-port';
import { listSequence } from './sequence';

export const VIDEO_EXTENSIONS = ['.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v'];

export interface ResolvedTarget extends LabelTarget {
  /** Images in the sequence folder's numbering range (sequences only). */
  images: number | null;
}

export class MediaResolver {
  private videos: Map<string, string> | null = null;

  constructor(
    private readonly ctx: ImportContext,
    private readonly datasetId: number,
  ) {
    const { videos, frames } = ctx.opts;
    if (videos && frames) throw fileError(frames, 'give either --videos or --frames, not both');
    for (const d of [videos, frames]) if (d && !isDirectory(d)) throw fileError(d, 'is not a folder');
  }

  private videoFile(name: string, fuzzy: boolean): string | undefined {
    if (!this.videos) {
      this.videos = new Map();
      const dir = this.ctx.opts.videos!;
      for (const e of listDir(dir, (bad) => this.ctx.sum.skip('non-utf8-name', 1, `${bad} in ${dir}: file name is not valid UTF-8; skipped`))) {
        const ext = path.extname(e.name).toLowerCase();
        if (e.isFile && VIDEO_EXTENSIONS.includes(ext)) {
          const key = e.name.slice(0, -ext.length).toLowerCase();
          if (!this.videos.has(key)) this.videos.set(key, e.path);
        }
      }
    }
    const key = name.toLowerCase();
    const exact = this.videos.get(key) ?? this.videos.get(key.replace(/_(left|right)$/, ''));
    if (exact || !fuzzy) return exact;
    // DISFA: "LeftVideoSN001_comp.avi" for subject SN001 (not SN0011); the left camera first
    const hits = [...this.videos.entries()].filter(([k]) => {
      const at = k.indexOf(key);
      return at >= 0 && !/\d/.test(k.charAt(at + key.length));
    });
    hits.sort(([a], [b]) => Number(b.includes('left')) - Number(a.includes('left')) || (a < b ? -1 : 1));
    return hits[0]?.[1];
  }

  /**
   * The labels' target for media `name`, or null when its media is missing and skipMissing is set
   * (otherwise a missing media file is an error). `labelFile` is the first label file (label-only path).
   */
  async resolve(name: string, split: Split, labelFile: string, subject: string | null = null, fuzzy = false): Promise<ResolvedTarget | null> {
    const { ctx, datasetId } = this;
    const { w, opts, project } = ctx;
    const missing = (what: string): null => {
      if (!opts.skipMissing) throw fileError(what, 'is missing (pass --skip-missing to import the other media and report this one)');
      ctx.sum.skip('missing-media', 1, `${what} is missing; its labels were not imported`);
      return null;
    };

    if (opts.videos) {
      const file = this.videoFile(name, fuzzy);
      if (!file) return missing(`${path.join(opts.videos, name)}{${VIDEO_EXTENSIONS.join(',')}}`);
      const stored = storedPath(project.dir, file);
      const existing = w.findMedia(datasetId, name);
      let mediaId: number;
      let frameCount: number;
      if (existing && existing.kind === 'video' && existing.path === stored && existing.frameCount > 0) {
        ({ id: mediaId, frameCount } = existing); // re-import: the probe is not repeated
      } else {
        ({ mediaId, frameCount } = await requireRegisterVideo(ctx.port)(project, datasetId, file, { name }));
      }
      const mf = w.frames(mediaId, { split, subject });
      mf.ensure(frameCount);
      return { mf, fixed: frameCount, grow: 'unknown', what: `video ${path.basename(file)}`, images: null };
    }

    if (opts.frames) {
      const dir = path.join(opts.frames, name);
      if (!isDirectory(dir)) return missing(dir);
      const seq = listSequence(dir, opts.frames, ctx.sum);
      const mediaId = w.upsertMedia(datasetId, name, 'sequence', storedPath(project.dir, dir));
      const mf = w.frames(mediaId, { split, subject });
      for (let idx = 0; idx < seq.length; idx++) {
        const file = seq.names[idx];
        mf.put(idx, file ? { path: file, face: 'ok' } : { path: null, face: 'none' });
      }
      return { mf, fixed: null, grow: 'none', what: `frames folder ${relPath(opts.frames, dir)}`, images: seq.length };
    }

    const existing = w.findMedia(datasetId, name);
    if (existing) {
      const mf = w.frames(existing.id, { split, subject });
      if (existing.kind === 'video' && existing.frameCount > 0) {
        mf.ensure(existing.frameCount);
        return { mf, fixed: existing.frameCount, grow: 'unknown', what: `video ${path.basename(existing.path)}`, images: null };
      }
      return { mf, fixed: null, grow: existing.kind === 'sequence' && existing.path !== storedPath(project.dir, labelFile) ? 'none' : 'unknown', what: existing.name, images: null };
    }
    if (!fs.existsSync(labelFile)) throw fileError(labelFile, 'is missing');
    const mediaId = w.upsertMedia(datasetId, name, 'sequence', storedPath(project.dir, labelFile));
    return { mf: w.frames(mediaId, { split, subject }), fixed: null, grow: 'unknown', what: name, images: null };
  }
}
