// Connects the label importers to the media/face pipeline (the importers depend only on the port).
// Called once by every entry point that imports: the backend (app, browser mode, CLI) and the worker.
import { registerVideoFromImporter, setMediaPort } from './media-port';
import { imageFaceDetector } from '../media/image-face';
import { importVideoMedia } from '../media/video';

let wired = false;

export function wireMediaPort(): void {
  if (wired) return;
  wired = true;
  setMediaPort({
    // Registration runs inside the import's transaction: no transcoding there. Proxies for videos
    // Chromium cannot play are made after the import commits (see importWithMedia).
    registerVideo: registerVideoFromImporter((p, d, f, o) => importVideoMedia(p, d, f, { ...o, proxy: 'never' }).then((r) => r.mediaId)),
    detectFace: imageFaceDetector(),
  });
}
