// Playable proxies for videos Chromium cannot play (DESIGN.md §5: Chromium plays H.264, VP8, VP9
// and AV1 in MP4/WebM/Matroska; not HEVC, not MJPEG, not MPEG-4 part 2, not AVI).
//
// A proxy must show exactly the original's frames at exactly its timestamps, or frame N of the
// labels would no longer be frame N on screen. So timing passes through (`-fps_mode passthrough`:
// no frame is duplicated or dropped), the encoder keeps the input stream's time base
// (`-enc_time_base -1`; MP4 then stores a multiple of it, so every pts survives exactly), and the
// result is probed and compared frame by frame before it is accepted.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import { commitFile, sweepStaleTemps, tempPath } from '../../base/fsutil';
import { probeVideo, type VideoProbe } from './probe';
import { ffmpegPath, runTool } from './tools';

const MP4_CODECS = new Set(['h264', 'vp9', 'av1']);
const WEBM_CODECS = new Set(['vp8', 'vp9', 'av1', 'h264']);
const PIX_FMTS_8BIT = new Set(['yuv420p', 'yuvj420p']);

/** Why Chromium cannot play this video, or null when it can. */
export function playabilityIssue(p: VideoProbe): string | null {
  const family = p.container.split(',');
  const mp4 = family.includes('mp4') || family.includes('mov');
  const mkv = family.includes('matroska') || family.includes('webm');
  if (!mp4 && !mkv) return `container ${p.container} is not played by Chromium`;
  if (!(mp4 ? MP4_CODECS : WEBM_CODECS).has(p.codec)) return `codec ${p.codec} is not played by Chromium in ${p.container}`;
  // Chromium's H.264 decoder is 8-bit 4:2:0 only; VP9/AV1 also decode 10-bit 4:2:0.
  const fmt = p.pixFmt ?? 'yuv420p';
  if (p.codec === 'h264' ? !PIX_FMTS_8BIT.has(fmt) : !/^yuvj?420p(10le)?$/.test(fmt)) return `pixel format ${fmt} is not played by Chromium`;
  return null;
}

export function isChromiumPlayable(p: VideoProbe): boolean {
  return playabilityIssue(p) === null;
}

export interface ProxyOptions {
  /** 'h264' (MP4, exact timestamps; the default) or 'vp9' (WebM: its 1 ms time base rounds timestamps to ±0.5 ms). */
  codec?: 'h264' | 'vp9';
  /** Frames encoded so far out of the original's frame count. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

function encoderArgs(codec: 'h264' | 'vp9'): string[] {
  if (codec === 'vp9') {
    return ['-c:v', 'libvpx-vp9', '-crf', '30', '-b:v', '0', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-g', '24', '-c:a', 'libopus'];
  }
  // Short GOPs keep frame-exact seeking (scrubbing) cheap in the player.
  return ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-g', '24', '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart'];
}

/**
 * Transcodes `source` (already probed) into `outFile` (.mp4 for h264, .webm for vp9) and verifies
 * that the proxy has the same frame count and timestamps; returns the proxy's probe. The file
 * appears only when complete and verified.
 */
export async function transcodeProxy(source: VideoProbe, outFile: string, opts: ProxyOptions = {}): Promise<VideoProbe> {
  const codec = opts.codec ?? 'h264';
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  // A temporary of the shared kind (src/base/fsutil.ts): unique, swept when a killed run left it.
  sweepStaleTemps(path.dirname(outFile));
  const tmp = tempPath(outFile);
  const filters: string[] = [];
  // 4:2:0 needs even dimensions: pad (never crop or scale), so pixel coordinates stay the original's.
  if (source.width % 2 || source.height % 2) filters.push('pad=ceil(iw/2)*2:ceil(ih/2)*2');
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', source.file,
    '-map', `0:${source.streamIndex}`, '-map', '0:a:0?', '-sn', '-dn',
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-fps_mode', 'passthrough', '-enc_time_base:v', '-1', '-pix_fmt', 'yuv420p',
    ...encoderArgs(codec),
    // The temporary's name does not end in .mp4/.webm: name the container.
    '-progress', 'pipe:1', '-nostats', '-f', codec === 'h264' ? 'mp4' : 'webm', tmp,
  ];
  const total = source.frameCount;
  opts.onProgress?.(0, total);
  try {
    await runTool(ffmpegPath(), args, {
      signal: opts.signal,
      onLine: (line) => {
        const m = /^frame=(\d+)/.exec(line);
        if (m) opts.onProgress?.(Math.min(Number(m[1]), total), total);
      },
    });
    const proxy = await probeVideo(tmp, { signal: opts.signal });
    const mismatch = compareTimelines(source, proxy);
    if (mismatch) throw new AppError('proxy-mismatch', `The proxy of ${source.file} does not match it frame for frame: ${mismatch}`);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    commitFile(tmp, outFile, { replace: true });
    opts.onProgress?.(total, total);
    return { ...proxy, file: outFile };
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Null when both have the same frames at the same times (within the coarser time base's half tick), else what differs. */
export function compareTimelines(a: VideoProbe, b: VideoProbe): string | null {
  if (a.frameCount !== b.frameCount) return `${b.frameCount} frames instead of ${a.frameCount}`;
  const tick = (s: string) => {
    const [n, d] = s.split('/').map(Number);
    return n / d;
  };
  const tol = Math.max(tick(a.timeBase), tick(b.timeBase)) / 2 + 1e-9;
  for (let i = 0; i < a.frameCount; i++) {
    const d = Math.abs(a.timestamps[i] - b.timestamps[i]);
    if (d > tol) return `frame ${i} at ${b.timestamps[i].toFixed(6)} s instead of ${a.timestamps[i].toFixed(6)} s`;
  }
  return null;
}
