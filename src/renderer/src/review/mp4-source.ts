// The video track of an MP4/MOV file served with HTTP Range support (the backend's /media/<id>, or
// aw-media:// in the desktop app), for WebCodecs: mp4box parses the boxes, reading the file in
// ranges until the moov is in (moov at the end is fine: mp4box asks for the position after mdat);
// sample bytes are fetched later, one GOP at a time. Nothing of the mdat is kept here.
import { createFile, MP4BoxBuffer, MultiBufferStream, VisualSampleEntry, type ISOFile, type Track } from 'mp4box';
import type { SampleInfo } from './decode-plan';

export interface Mp4Track {
  /** WebCodecs codec string (e.g. avc1.64001f). */
  codec: string;
  /** The decoder configuration record (avcC, hvcC, vpcC or av1C without its box header). */
  description: Uint8Array | undefined;
  width: number;
  height: number;
  timescale: number;
  /** Seconds added to cts / timescale by the edit list (0 without one). */
  shift: number;
  samples: SampleInfo[];
}

const CHUNK = 1 << 20;
/** Gives up on files whose boxes do not parse within this many bytes read (a moov this big is not a normal file). */
const MAX_HEADER_BYTES = 64 << 20;

/** Bytes [start, end) of `url` (a 206 answer, or the whole file from a server that ignores Range). */
export async function readRange(url: string, start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
  const r = await fetch(url, { headers: { Range: `bytes=${start}-${end - 1}` }, signal });
  if (r.status !== 206 && r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
  const buf = new Uint8Array(await r.arrayBuffer());
  return r.status === 206 ? buf : buf.subarray(start, end);
}

function fileSize(r: Response): number | null {
  const m = /\/(\d+)$/.exec(r.headers.get('Content-Range') ?? '');
  return m ? Number(m[1]) : null;
}

/** Edit list shift in seconds: leading empty edits delay, the first media edit's media_time cuts. */
function editShift(track: Track, movieTimescale: number): number {
  let shift = 0;
  for (const e of track.edits ?? []) {
    if (e.media_time === -1) {
      shift += e.segment_duration / movieTimescale;
      continue;
    }
    return shift - e.media_time / track.timescale;
  }
  return shift;
}

function description(file: ISOFile, trackId: number): Uint8Array | undefined {
  for (const entry of file.getTrackById(trackId).mdia.minf.stbl.stsd.entries) {
    const box = entry instanceof VisualSampleEntry ? (entry.avcC ?? entry.hvcC ?? entry.vpcC ?? entry.av1C) : undefined;
    if (box) {
      const stream = new MultiBufferStream();
      box.write(stream);
      return new Uint8Array(stream.buffer, 8); // without the box header
    }
  }
  return undefined;
}

/** Parses the file's boxes; resolves with its first video track, or throws (not an MP4, no video). */
export async function openMp4(url: string, signal?: AbortSignal): Promise<Mp4Track> {
  const file = createFile();
  let ready = false;
  let failure: string | null = null;
  file.onReady = () => {
    ready = true;
  };
  file.onError = (_module, message) => {
    failure = message;
  };
  let pos = 0;
  let size = Infinity;
  let read = 0;
  while (!ready) {
    if (failure) throw new Error(`not a readable MP4: ${failure}`);
    if (pos >= size || read > MAX_HEADER_BYTES) throw new Error('no movie header found');
    const r = await fetch(url, { headers: { Range: `bytes=${pos}-${pos + CHUNK - 1}` }, signal });
    if (r.status !== 206) throw new Error(`${url}: HTTP ${r.status} (ranges are needed)`);
    size = fileSize(r) ?? size;
    const bytes = await r.arrayBuffer();
    read += bytes.byteLength;
    const next = file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes, pos), pos + bytes.byteLength >= size);
    pos = next > pos ? next : pos + bytes.byteLength;
  }
  const info = file.getInfo();
  const track = info.videoTracks[0];
  if (!track) throw new Error('no video track');
  const samples = file.getTrackSamplesInfo(track.id).map((s) => ({ offset: s.offset, size: s.size, cts: s.cts, isSync: s.is_sync }));
  return {
    codec: track.codec,
    description: description(file, track.id),
    width: track.video?.width ?? track.track_width,
    height: track.video?.height ?? track.track_height,
    timescale: track.timescale,
    shift: editShift(track, info.timescale),
    samples,
  };
}
