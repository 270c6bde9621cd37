// The desktop app's security decisions as plain functions (no electron import), so they are unit
// tested under Node: which external links may open, which frames may call the backend, which
// permissions a page gets (none), and where the renderer's files come from.
export const APP_SCHEME = 'aw-app';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;
export const MEDIA_SCHEME = 'aw-media';

/**
 * CORS of the media scheme: the review screen's decoded-frame window fetches byte ranges of a video
 * (src/renderer/src/review/mp4-source.ts) from aw-media:// while the page is aw-app://, a cross-origin
 * request. Only the app's own origin may read them, and only the headers a ranged read needs.
 */
export const MEDIA_CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': APP_ORIGIN,
  'Access-Control-Allow-Methods': 'GET, HEAD',
  'Access-Control-Allow-Headers': 'Range',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges',
  Vary: 'Origin',
};

/** Documentation the app may open in the system browser; nothing else leaves the app. An entry
 * ending in '/' allows the pages under it; any other entry allows exactly that page. */
export const EXTERNAL_ALLOW = [
  'https://ibug.doc.ic.ac.uk/resources/aff-wild2/',
  'https://arxiv.org/abs/1910.04855',
  'https://arxiv.org/abs/1503.02531',
];

/** True for an https URL under one of the allowed documentation prefixes (no credentials, no tricks). */
export function isAllowedExternalUrl(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  const page = `${u.origin}${u.pathname}`;
  return EXTERNAL_ALLOW.some((entry) => (entry.endsWith('/') ? page.startsWith(entry) : page === entry));
}

/** True when a frame's URL is the app's own page (the only origin that may call the backend). */
export function isAppUrl(raw: string | undefined | null, devServerUrl?: string): boolean {
  if (!raw) return false;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (`${u.protocol}//${u.host}` === APP_ORIGIN) return true;
  if (devServerUrl) {
    try {
      return u.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Every permission request and check is denied (no camera, mic, geolocation, notifications…) but
 * full screen: the review screen's F puts its work area in full screen with the HTML Fullscreen API
 * (only our own pages load; it needs a key press or click, and Esc leaves it).
 */
export function permissionAllowed(permission: string): boolean {
  return permission === 'fullscreen';
}

/** The path inside the renderer folder that an aw-app:// URL names ('' → index.html), or null if it is not ours. */
export function rendererPathOf(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return null;
  let p: string;
  try {
    p = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  p = p.replace(/^\/+/, '');
  return p === '' ? 'index.html' : p;
}
