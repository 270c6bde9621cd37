// aw-app://app/…: the renderer's files, served from the built renderer folder through a privileged
// standard scheme instead of file:// (Electron security checklist: "Use a custom protocol instead of
// file://"). Paths are contained in the folder; every answer carries the CSP.
import { protocol } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { resolveInside } from '../base/fsutil';
import { contentTypeOf } from '../node/app/content-types';
import { APP_SCHEME, rendererPathOf } from '../shared/desktop-policy';

export function registerAppProtocol(rendererDir: string, csp: string): void {
  protocol.handle(APP_SCHEME, async (req) => {
    const rel = rendererPathOf(req.url);
    if (rel === null) return new Response('not found', { status: 404 });
    try {
      const file = resolveInside(rendererDir, rel);
      const data = await fs.promises.readFile(file);
      return new Response(data, {
        status: 200,
        headers: { 'Content-Type': contentTypeOf(path.extname(file)), 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
