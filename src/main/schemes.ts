// The app's two schemes, registered as privileged before 'ready': aw-app serves the renderer (a
// standard, secure origin, so the page is not a file:// page), aw-media serves project media with
// Range support (stream: the <video> element seeks).
import { protocol } from 'electron';
import { APP_SCHEME, MEDIA_SCHEME } from '../shared/desktop-policy';

export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    // corsEnabled: the review screen fetches byte ranges of videos cross-origin (MEDIA_CORS_HEADERS).
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}
