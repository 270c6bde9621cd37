// The player: video.js for video files (its HTML5 tech, without its own controls: stepping and
// seeking are ours, by stored timestamps), an <img> for image sequences, both driven through a
// FrameClock and shown with the same control bar. The model overlay sits on top of the picture.
import { useEffect, useRef, type ReactNode } from 'react';
import videojs from 'video.js';
import { mediaUrl } from '../api';
import { reportError } from '../store';
import { DecodedClock } from './decoded-clock';
import { DecodedFrames } from './decoded-frames';
import { RATES, useReview, type ReviewController } from './controller';
import { SequenceClock } from './sequence-clock';
import { addVideoJsStyle } from './videojs-style';
import { timecode } from '../../../shared/frame-times';

/** localStorage key: 'off' steps through the <video> only (no decoded frames). */
export const DECODED_FRAMES_KEY = 'aw.review.decodedFrames';

/** The media element (video.js around a <video>, or an <img>) wired to a clock on the controller. */
function Picture({ c }: { c: ReviewController }) {
  const host = useRef<HTMLDivElement>(null);
  const media = c.snapshot.media;
  useEffect(() => {
    const el = host.current!;
    if (media.missing) {
      c.attachClock(null);
      return;
    }
    if (media.kind !== 'video') {
      const img = document.createElement('img');
      img.className = 'rv-image';
      img.alt = '';
      img.dataset.testid = 'review-image';
      el.appendChild(img);
      const gaps = media.gaps;
      // Binary search over the sorted gap ranges.
      const hasImage = (f: number) => {
        let lo = 0;
        let hi = gaps.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (f < gaps[mid][0]) hi = mid - 1;
          else if (f > gaps[mid][1]) lo = mid + 1;
          else return false;
        }
        return true;
      };
      const clock = new SequenceClock(img, c.times, (f) => mediaUrl(media.id, f), hasImage, c.clockState, reportError);
      c.attachClock(clock);
      return () => {
        c.attachClock(null);
        clock.destroy();
        img.remove();
      };
    }
    addVideoJsStyle();
    const video = document.createElement('video');
    video.className = 'video-js rv-video';
    video.preload = 'auto';
    video.playsInline = true;
    video.dataset.testid = 'review-video';
    el.appendChild(video);
    const player = videojs(video, {
      controls: false,
      preload: 'auto',
      fill: true,
      loop: false,
      bigPlayButton: false,
      controlBar: false,
      loadingSpinner: false,
      textTrackDisplay: false,
      errorDisplay: false,
      textTrackSettings: false,
      sources: [{ src: mediaUrl(media.id), type: media.mime ?? 'video/mp4' }],
    });
    player.on('error', () => {
      const e = player.error();
      reportError(new Error(`The video cannot be played${e ? `: ${e.message || `code ${e.code}`}` : ''}`));
    });
    const tech = player.el().querySelector('video')!;
    // Decoded neighbour frames on a canvas over the video (decoded-clock.ts); MP4/MOV only, and
    // off with localStorage 'aw.review.decodedFrames' = 'off' (the benchmark's "before").
    const canvas = document.createElement('canvas');
    canvas.className = 'rv-decoded';
    canvas.dataset.testid = 'review-decoded';
    canvas.hidden = true;
    canvas.style.cssText = 'position:absolute;inset:0;width:100%;height:100%;object-fit:contain;pointer-events:none';
    el.appendChild(canvas);
    const abort = new AbortController();
    const mp4 = /^video\/(mp4|quicktime)$/.test(media.mime ?? 'video/mp4');
    const decoded =
      localStorage.getItem(DECODED_FRAMES_KEY) === 'off'
        ? Promise.resolve('turned off')
        : mp4
          ? DecodedFrames.open(mediaUrl(media.id), c.times, abort.signal)
          : Promise.resolve(`not an MP4 (${media.mime ?? 'unknown type'})`);
    const clock = new DecodedClock(tech, canvas, el, c.times, decoded, c.clockState, reportError);
    c.attachClock(clock);
    c.video = tech;
    return () => {
      c.video = null;
      abort.abort();
      c.attachClock(null);
      clock.destroy();
      canvas.remove();
      player.dispose();
    };
  }, [c, media]);
  return (
    <div className="rv-picture" ref={host}>
      {media.missing && (
        <div className="rv-missing" data-testid="media-missing">
          <b>The picture cannot be shown.</b> {media.missing} The labels and the model output can still be reviewed.
        </div>
      )}
    </div>
  );
}

/** Go-to-frame field (G focuses it). */
function FrameInput({ c, inputRef }: { c: ReviewController; inputRef: React.RefObject<HTMLInputElement | null> }) {
  return (
    <form
      className="rv-goto"
      onSubmit={(e) => {
        e.preventDefault();
        const v = Number(inputRef.current!.value);
        if (Number.isInteger(v)) c.jump(v);
        inputRef.current!.value = '';
        inputRef.current!.blur();
      }}
    >
      <input ref={inputRef} className="rv-goto-input" data-testid="goto-frame" placeholder="Go to…" inputMode="numeric" aria-label="Go to frame" />
    </form>
  );
}

export interface FullscreenControl {
  on: boolean;
  toggle(): void;
}

export function ControlBar({ c, gotoRef, fullscreen }: { c: ReviewController; gotoRef: React.RefObject<HTMLInputElement | null>; fullscreen: FullscreenControl }) {
  const frame = useReview(c, (s) => s.frame);
  const settled = useReview(c, (s) => s.settled);
  const playing = useReview(c, (s) => s.playing);
  const rate = useReview(c, (s) => s.rate);
  const toast = useReview(c, (s) => s.toast);
  const n = c.times.count;
  return (
    <div className="rv-controls" data-testid="review-controls">
      <button className="rv-btn" title="First frame (Home)" onClick={() => c.jump(0)}>⇤</button>
      <button className="rv-btn" title="Back 10 frames (Shift+←)" onClick={() => c.step(-10)}>«</button>
      <button className="rv-btn" title="Previous frame (←)" onClick={() => c.step(-1)}>‹</button>
      <button className="rv-btn rv-play" title="Play / pause (Space)" data-testid="play" onClick={() => c.togglePlay()}>
        {playing ? '❚❚' : '▶'}
      </button>
      <button className="rv-btn" title="Next frame (→)" onClick={() => c.step(1)}>›</button>
      <button className="rv-btn" title="Forward 10 frames (Shift+→)" onClick={() => c.step(10)}>»</button>
      <button className="rv-btn" title="Last frame (End)" onClick={() => c.jump(n - 1)}>⇥</button>
      <div className="rv-frame" data-settled={settled} data-playing={playing} data-testid="frame-state">
        <span className="rv-frame-label">Frame</span>
        <span className="rv-frame-index" data-testid="frame-index">{frame}</span>
        <span className="rv-frame-of">/ {n - 1}</span>
        <span className="rv-timecode">{timecode(c.times.start(frame) - c.times.start(0))}</span>
      </div>
      <FrameInput c={c} inputRef={gotoRef} />
      {/* What the last command did: in the bar, where it covers neither the picture nor the timeline. */}
      <div className="rv-toast-slot" role="status" aria-live="polite">
        {toast && (
          <span className={`rv-toast ${toast.kind}`} data-testid="review-toast" title={toast.text}>
            {toast.text}
          </span>
        )}
      </div>
      <label className="rv-rate" title="Playback speed ([ and ])">
        <select value={rate} data-testid="rate" onChange={(e) => c.setRate(Number(e.target.value))}>
          {RATES.map((r) => (
            <option key={r} value={r}>
              {r}×
            </option>
          ))}
        </select>
      </label>
      <button
        className="rv-btn rv-full-btn"
        data-testid="fullscreen"
        aria-pressed={fullscreen.on}
        title={fullscreen.on ? 'Leave full screen (F or Esc)' : 'Full screen: picture, overlay and timeline (F)'}
        onClick={fullscreen.toggle}
      >
        {fullscreen.on ? '⤡' : '⤢'}
      </button>
    </div>
  );
}

/**
 * The picture with the overlay over it, above the control bar. `dock` reserves that many pixels at
 * the right of the picture area for a docked overlay, so that the video is laid out beside it.
 */
export function Player({
  c,
  overlay,
  dock,
  gotoRef,
  fullscreen,
}: {
  c: ReviewController;
  overlay: ReactNode;
  dock: number;
  gotoRef: React.RefObject<HTMLInputElement | null>;
  fullscreen: FullscreenControl;
}) {
  return (
    <div className="rv-player" data-testid="player">
      <div className="rv-stage" data-testid="stage">
        <div className="rv-picture-area" style={{ right: dock }}>
          <Picture c={c} />
        </div>
        {overlay}
      </div>
      <ControlBar c={c} gotoRef={gotoRef} fullscreen={fullscreen} />
    </div>
  );
}
