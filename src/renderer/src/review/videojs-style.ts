// video.js's stylesheet, added when the first player is created, without its icon font: we draw
// our own controls, so the icons are never needed, and the font is a data: URL that Chromium
// requests as soon as the stylesheet is in the page (a console error under a CSP without
// font-src data:). Imported as text, so it is not in the global bundle for every screen.
import css from 'video.js/dist/video-js.css?inline';

let added = false;

export function addVideoJsStyle(): void {
  if (added) return;
  added = true;
  const style = document.createElement('style');
  style.dataset.source = 'video.js';
  style.textContent = css.replace(/@font-face\s*\{[^}]*\}/g, '');
  document.head.prepend(style);
}
