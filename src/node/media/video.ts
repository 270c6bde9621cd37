// Importing a video file as a media item: probe, a playable proxy when Chromium cannot play the
// original (which stays untouched), then the media row and one frame row per presented frame in
// one transaction.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import type { Project } from '../store/project';
import { probeVideo, type VideoProbe } from './probe';
import { compareTimelines, isChromiumPlayable, playabilityIssue, transcodeProxy } from './proxy';
import { storedPath, upsertMedia, type Split } from './store';

export { isChromiumPlayable, playabilityIssue };

export const VIDEO_EXTENSIONS = ['.mp4', '.m4v', '.webm', '.mkv', '.avi', '.mov'];
export const PROXY_DIR = path.join('media', 'proxies');

export interface MediaProgress {
  stage: 'probe' | 'proxy' | 'store';
  done: number;
  total: number;
}

export interface ImportVideoOptions {
  /** Media name, unique in the dataset; default the file name without extension (Aff-Wild2 label files use it). */
  name?: string;
  split?: Split;
  subject?: string | null;
  onProgress?: (p: MediaProgress) => void;
  /** 'auto' (default): a proxy only when Chromium cannot play the original. */
  proxy?: 'auto' | 'always' | 'never';
  proxyCodec?: 'h264' | 'vp9';
  signal?: AbortSignal;
}

export interface ImportVideoResult {
  mediaId: number;
  frameCount: number;
  /** Absolute path of the proxy, or null when the original plays. */
  proxyPath: string | null;
  created: boolean;
  probe: VideoProbe;
}

export async function importVideoMedia(project: Project, datasetId: number, file: string, opts: ImportVideoOptions = {}): Promise<ImportVideoResult> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new AppError('not-found', `No video file at ${abs}`);
  const dataset = project.db.prepare('SELECT id FROM datasets WHERE id = ?').get(datasetId);
  if (!dataset) throw new AppError('not-found', `No dataset with id ${datasetId}`);
  const name = opts.name ?? path.basename(abs, path.extname(abs));
  const progress = opts.onProgress ?? (() => undefined);

  progress({ stage: 'probe', done: 0, total: 1 });
  const probe = await probeVideo(abs, { signal: opts.signal });
  progress({ stage: 'probe', done: 1, total: 1 });

  const wantProxy = opts.proxy === 'always' || (opts.proxy !== 'never' && !isChromiumPlayable(probe));
  let proxy: VideoProbe | null = null;
  if (wantProxy) {
    const codec = opts.proxyCodec ?? 'h264';
    const out = project.path(PROXY_DIR, proxyFileName(abs, name, codec));
    proxy = await reuseProxy(probe, out, opts.signal);
    proxy ??= await transcodeProxy(probe, out, {
      codec,
      signal: opts.signal,
      onProgress: (done, total) => progress({ stage: 'proxy', done, total }),
    });
  }

  progress({ stage: 'store', done: 0, total: probe.frameCount });
  const { mediaId, created } = upsertMedia(
    project,
    {
      datasetId,
      name,
      kind: 'video',
      path: abs,
      proxyPath: proxy?.file ?? null,
      codec: probe.codec,
      fps: probe.fps,
      fpsRational: probe.fpsRational,
      width: probe.width,
      height: probe.height,
      duration: probe.duration,
      timestamps: probe.timestamps,
      ptsOffset: (proxy ?? probe).startTime,
      sourceOffset: probe.startTime,
    },
    { count: probe.frameCount, subject: opts.subject ?? null, split: opts.split },
  );
  progress({ stage: 'store', done: probe.frameCount, total: probe.frameCount });
  return { mediaId, frameCount: probe.frameCount, proxyPath: proxy?.file ?? null, created, probe };
}

/**
 * Makes (or reuses) the playable proxy of an imported video that needs one, and records it with
 * its pts offset. For media registered with `proxy: 'never'` inside an importer's transaction: the
 * slow transcode runs afterwards (as a job). Returns the proxy path, or null when none is needed.
 */
export async function ensureProxy(
  project: Project,
  mediaId: number,
  opts: { codec?: 'h264' | 'vp9'; force?: boolean; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<string | null> {
  const m = project.db.prepare(`SELECT name, path, kind, frame_count AS n FROM media WHERE id = ?`).get(mediaId) as
    | { name: string; path: string; kind: string; n: number }
    | undefined;
  if (!m || m.kind !== 'video') throw new AppError('not-found', `No video media with id ${mediaId}`);
  const abs = path.isAbsolute(m.path) ? m.path : project.path(m.path);
  const probe = await probeVideo(abs, { signal: opts.signal });
  if (probe.frameCount !== m.n) throw new AppError('conflict', `${abs} now has ${probe.frameCount} frames, ${m.n} when imported; import it again`);
  if (!opts.force && isChromiumPlayable(probe)) return null;
  const codec = opts.codec ?? 'h264';
  const out = project.path(PROXY_DIR, proxyFileName(abs, m.name, codec));
  const proxy = (await reuseProxy(probe, out, opts.signal)) ?? (await transcodeProxy(probe, out, { codec, signal: opts.signal, onProgress: opts.onProgress }));
  project.db.prepare('UPDATE media SET proxy_path = ?, pts_offset = ? WHERE id = ?').run(storedPath(project, proxy.file), proxy.startTime, mediaId);
  return proxy.file;
}

/**
 * Proxy file name: the media name (made file-safe) plus a hash of the source's path, size and
 * modification time, so a changed source gets a new proxy and an unchanged one reuses its proxy.
 */
export function proxyFileName(source: string, name: string, codec: 'h264' | 'vp9'): string {
  const st = fs.statSync(source);
  const hash = createHash('sha256').update(`${source}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 12);
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'video';
  return `${safe}-${hash}${codec === 'vp9' ? '.webm' : '.mp4'}`;
}

/** An existing proxy is reused only if it still matches the original frame for frame. */
async function reuseProxy(source: VideoProbe, out: string, signal?: AbortSignal): Promise<VideoProbe | null> {
  if (!fs.existsSync(out)) return null;
  try {
    const p = await probeVideo(out, { signal });
    if (compareTimelines(source, p) === null) return p;
  } catch {
    /* unreadable: transcode again */
  }
  fs.rmSync(out, { force: true });
  return null;
}
