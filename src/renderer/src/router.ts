// The renderer's router: the screens addressed by the URL hash, so a reload (or a bookmark in
// browser mode) returns to the same screen. A hook over `hashchange`; no router library.
import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'home' }
  | { name: 'review'; mediaId: number | null; frame?: number }
  | { name: 'training' }
  /** Agreement among annotators: the project, one dataset, or one media item (with its disagreement strip). */
  | { name: 'agreement'; mediaId: number | null; datasetId?: number }
  | { name: 'not-found'; hash: string };

/** Parses `#/`, `#/review/<mediaId>[?frame=N]`, `#/review`, `#/training`, `#/agreement[/<mediaId>][?dataset=N]`; anything else is not-found. */
export function parseRoute(hash: string): Route {
  const [rawPath, query = ''] = hash.replace(/^#/, '').split('?', 2);
  const path = rawPath.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '') return { name: 'home' };
  if (path === '/training') return { name: 'training' };
  if (path === '/review') return { name: 'review', mediaId: null };
  const ag = /^\/agreement(?:\/(\d{1,15}))?$/.exec(path);
  if (ag) {
    const d = /(?:^|&)dataset=(\d{1,15})(?:&|$)/.exec(query);
    const mediaId = ag[1] ? Number(ag[1]) : null;
    return d && mediaId === null ? { name: 'agreement', mediaId, datasetId: Number(d[1]) } : { name: 'agreement', mediaId };
  }
  const m = /^\/review\/(\d{1,15})$/.exec(path);
  if (m) {
    const f = /(?:^|&)frame=(\d{1,9})(?:&|$)/.exec(query);
    return f ? { name: 'review', mediaId: Number(m[1]), frame: Number(f[1]) } : { name: 'review', mediaId: Number(m[1]) };
  }
  return { name: 'not-found', hash };
}

export function routeHash(r: Route): string {
  switch (r.name) {
    case 'home':
      return '#/';
    case 'training':
      return '#/training';
    case 'review':
      return r.mediaId === null ? '#/review' : `#/review/${r.mediaId}${r.frame === undefined ? '' : `?frame=${r.frame}`}`;
    case 'agreement':
      return r.mediaId !== null ? `#/agreement/${r.mediaId}` : r.datasetId !== undefined ? `#/agreement?dataset=${r.datasetId}` : '#/agreement';
    case 'not-found':
      return r.hash;
  }
}

export function navigate(r: Route): void {
  const hash = routeHash(r);
  if (location.hash !== hash) location.hash = hash;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current route; re-renders on every hash change. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  return parseRoute(hash);
}
