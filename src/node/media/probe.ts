// Probing a video with ffprobe: codec, size, rate, and the presentation timestamp of every frame.
//
// Frame N is the N-th *presented* frame: timestamps are sorted by pts (B-frames arrive in decode
// order), packets the demuxer marks discard (an MP4 edit list cutting the start) are not frames,
// and timestamps are stored relative to the first presented frame, whose absolute pts is kept as
// `startTime` (a player's currentTime for frame N is startTime + timestamps[N]).
//
// Speed: reading packet headers (`-show_entries packet=…`) does not decode anything, so a long
// video probes in a fraction of its decode time. Packet pts equal decoded frame pts for every
// container that stores pts (MP4/MOV, Matroska/WebM). AVI stores no pts (a B-frame stream's
// packets would carry decode order) and raw elementary streams store none at all: those decode
// frames instead (`timing: 'frames'`), and when even decoding gives no timestamps, frame i is
// placed at i / rate (`timing: 'synthesized'`).
import { AppError } from '../../shared/result';
import { ffprobePath, parseRational, runTool } from './tools';

export interface VideoProbe {
  file: string;
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi". */
  container: string;
  codec: string;
  profile: string | null;
  pixFmt: string | null;
  /** Display size: what ffmpeg decodes to (a ±90° rotation swaps the coded width and height). */
  width: number;
  height: number;
  /** Display rotation in degrees from the stream's display matrix (0 when none). */
  rotation: number;
  /** Nominal frame rate; for variable-rate video the average over the whole video. */
  fps: number;
  /** The same as a rational string, e.g. "24000/1001". */
  fpsRational: string;
  /** True when frames do not sit on a constant-rate grid (beyond one time-base tick). */
  vfr: boolean;
  /** The stream's time base, e.g. "1/24000". */
  timeBase: string;
  /** Absolute pts (seconds, container timeline) of the first presented frame. */
  startTime: number;
  /** Seconds from the first presented frame to the end of the last one. */
  duration: number;
  frameCount: number;
  /** Presentation time of every frame in seconds, relative to the first presented frame (so [0] = 0). */
  timestamps: Float64Array;
  /** Where the timestamps came from. */
  timing: 'packets' | 'frames' | 'synthesized';
  /** Index of the probed stream in the container. */
  streamIndex: number;
  audioCodec: string | null;
}

interface StreamInfo {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  disposition?: { attached_pic?: number };
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
}

/** Codecs whose every frame is a keyframe: packet order is presentation order even in AVI. */
const INTRA_CODECS = new Set(['mjpeg', 'rawvideo', 'huffyuv', 'ffvhuff', 'ffv1', 'utvideo', 'dvvideo', 'png', 'magicyuv', 'prores', 'jpeg2000', 'qtrle']);

export interface ProbeOptions {
  /** 'auto' (default) reads packets where that is exact; 'frames' always decodes. */
  timing?: 'auto' | 'frames';
  signal?: AbortSignal;
}

export async function probeVideo(file: string, opts: ProbeOptions = {}): Promise<VideoProbe> {
  const { stdout } = await runTool(
    ffprobePath(),
    ['-v', 'error', '-show_entries',
      'format=format_name:stream=index,codec_type,codec_name,profile,pix_fmt,width,height,r_frame_rate,avg_frame_rate,time_base:stream_disposition=attached_pic:stream_side_data=rotation:stream_tags=rotate',
      '-of', 'json', file],
    { signal: opts.signal },
  ).catch((e: AppError) => {
    throw new AppError('invalid-input', `${file} is not a readable video: ${e.message}`);
  });
  const info = JSON.parse(stdout) as { format?: { format_name?: string }; streams?: StreamInfo[] };
  const streams = info.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video || !video.width || !video.height) throw new AppError('invalid-input', `${file} has no video stream`);
  const container = info.format?.format_name ?? '';
  const codec = video.codec_name ?? 'unknown';
  const tb = parseTimeBase(video.time_base);

  const needFrames = opts.timing === 'frames' || (/\bavi\b/.test(container) && !INTRA_CODECS.has(codec));
  let pts: TimedFrame[] | null = needFrames ? null : await readPackets(file, video.index, opts.signal);
  let timing: VideoProbe['timing'] = 'packets';
  if (pts === null) {
    pts = fillGaps(await readFrames(file, video.index, opts.signal));
    timing = 'frames';
  }
  const rotation = readRotation(video);
  const swap = Math.abs(rotation) % 180 === 90;
  const base = {
    file,
    container,
    codec,
    profile: video.profile ?? null,
    pixFmt: video.pix_fmt ?? null,
    width: swap ? video.height : video.width,
    height: swap ? video.width : video.height,
    rotation,
    timeBase: `${tb.num}/${tb.den}`,
    streamIndex: video.index,
    audioCodec: streams.find((s) => s.codec_type === 'audio')?.codec_name ?? null,
  };
  if (pts.length === 0) throw new AppError('invalid-input', `${file} has a video stream without frames`);
  const timed = pts.every((p) => p.pts !== null);
  if (!timed) {
    // No timestamps at all (raw elementary stream): a constant-rate grid at the declared rate.
    const rate = pickRational([video.r_frame_rate, video.avg_frame_rate]) ?? '25/1';
    const fps = parseRational(rate) as number;
    const timestamps = Float64Array.from({ length: pts.length }, (_, i) => i / fps);
    return { ...base, fps, fpsRational: rate, vfr: false, startTime: 0, duration: pts.length / fps, frameCount: pts.length, timestamps, timing: 'synthesized' };
  }
  return { ...base, ...timeline(pts as { pts: number; duration: number | null }[], tb, [video.r_frame_rate, video.avg_frame_rate]), timing };
}

export interface TimedFrame {
  pts: number | null;
  duration: number | null;
}

/** Packet pts of one stream, discard-flagged packets left out; null when any packet has no pts. */
async function readPackets(file: string, stream: number, signal?: AbortSignal): Promise<TimedFrame[] | null> {
  const out: TimedFrame[] = [];
  let missing = false;
  await runTool(
    ffprobePath(),
    ['-v', 'error', '-select_streams', String(stream), '-show_entries', 'packet=pts,duration,flags', '-of', 'compact=p=1:nk=0', file],
    {
      signal,
      onLine: (line) => {
        if (!line.startsWith('packet|')) return;
        const f = fields(line);
        if (f.flags?.includes('D')) return;
        const p = intOrNull(f.pts);
        if (p === null) missing = true;
        out.push({ pts: p, duration: intOrNull(f.duration) });
      },
    },
  );
  return missing ? null : out;
}

/** Decoded frames' best-effort timestamps (exact for any container, costs a full decode). */
async function readFrames(file: string, stream: number, signal?: AbortSignal): Promise<TimedFrame[]> {
  const out: TimedFrame[] = [];
  await runTool(
    ffprobePath(),
    ['-v', 'error', '-select_streams', String(stream), '-show_entries', 'frame=best_effort_timestamp,pkt_duration', '-of', 'compact=p=1:nk=0', file],
    {
      signal,
      onLine: (line) => {
        if (!line.startsWith('frame|')) return;
        const f = fields(line);
        out.push({ pts: intOrNull(f.best_effort_timestamp), duration: intOrNull(f.pkt_duration) });
      },
    },
  );
  return out;
}

/**
 * Fills frames without a timestamp from their neighbours (a decoder flushing its delayed frames at
 * the end of an AVI reports none for them): previous + its duration, or next − duration before the
 * first known one. All missing stays all missing.
 */
export function fillGaps(frames: TimedFrame[]): TimedFrame[] {
  const known = frames.findIndex((f) => f.pts !== null);
  if (known < 0) return frames;
  const out = frames.map((f) => ({ ...f }));
  const step = (f: TimedFrame) => (f.duration && f.duration > 0 ? f.duration : 1);
  for (let i = known + 1; i < out.length; i++) if (out[i].pts === null) out[i].pts = (out[i - 1].pts as number) + step(out[i - 1]);
  for (let i = known - 1; i >= 0; i--) out[i].pts = (out[i + 1].pts as number) - step(out[i]);
  return out;
}

function fields(line: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const part of line.split('|')) {
    const eq = part.indexOf('=');
    if (eq > 0) r[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return r;
}

function intOrNull(s: string | undefined): number | null {
  if (s === undefined || s === 'N/A' || s === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

interface TimeBase {
  num: number;
  den: number;
}

function parseTimeBase(s: string | undefined): TimeBase {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  if (!m || Number(m[2]) === 0) return { num: 1, den: 1_000_000 };
  return { num: Number(m[1]), den: Number(m[2]) };
}

function readRotation(s: StreamInfo): number {
  const r = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(s.tags?.rotate ?? 0);
  return Number.isFinite(r) ? r : 0;
}

function pickRational(candidates: (string | undefined)[]): string | null {
  for (const c of candidates) if (parseRational(c) && (parseRational(c) as number) > 0) return c as string;
  return null;
}

/**
 * The timeline from integer pts in time-base units: sorted, relative to the first presented frame
 * (differences taken in integer ticks, so 24000/1001 video gives exact multiples of 1001/24000),
 * the rate that puts every frame on its grid within one tick, and whether the video is VFR.
 * Exported for tests.
 */
export function timeline(
  frames: { pts: number; duration: number | null }[],
  tb: TimeBase,
  rates: (string | undefined)[],
): Pick<VideoProbe, 'fps' | 'fpsRational' | 'vfr' | 'startTime' | 'duration' | 'frameCount' | 'timestamps'> {
  const sorted = [...frames].sort((a, b) => a.pts - b.pts);
  const first = sorted[0].pts;
  const n = sorted.length;
  const timestamps = new Float64Array(n);
  for (let i = 0; i < n; i++) timestamps[i] = ((sorted[i].pts - first) * tb.num) / tb.den;
  const tick = tb.num / tb.den;
  const intervals: number[] = [];
  for (let i = 1; i < n; i++) intervals.push(timestamps[i] - timestamps[i - 1]);
  const median = intervals.length ? [...intervals].sort((a, b) => a - b)[intervals.length >> 1] : 0;
  const lastDuration = sorted[n - 1].duration;
  const lastDur = lastDuration && lastDuration > 0 ? (lastDuration * tb.num) / tb.den : median;
  const duration = timestamps[n - 1] + lastDur;
  const onGrid = (fps: number) => {
    const tol = tick * 1.01 + 1e-9;
    for (let i = 0; i < n; i++) if (Math.abs(timestamps[i] - i / fps) > tol) return false;
    return true;
  };
  let fpsRational: string | null = null;
  for (const r of rates) {
    const v = parseRational(r);
    if (v && v > 0 && v < 1000 && onGrid(v)) {
      fpsRational = r as string;
      break;
    }
  }
  if (n < 2) {
    const r = fpsRational ?? pickRational(rates) ?? '25/1';
    return { fps: parseRational(r) as number, fpsRational: r, vfr: false, startTime: (first * tb.num) / tb.den, duration, frameCount: n, timestamps };
  }
  const vfr = fpsRational === null;
  if (fpsRational === null) {
    // Variable rate: the average rate; a declared average wins when it agrees with ours.
    const avg = n / duration;
    const declared = parseRational(rates[1]);
    fpsRational = declared && Math.abs(declared - avg) / avg < 0.01 ? (rates[1] as string) : `${Math.round(avg * 1000)}/1000`;
  }
  return {
    fps: parseRational(fpsRational) as number,
    fpsRational,
    vfr,
    startTime: (first * tb.num) / tb.den,
    duration,
    frameCount: n,
    timestamps,
  };
}
