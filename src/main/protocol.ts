// aw-media://media/<id>[/frames/<idx>]: serves media registered in the open project, with HTTP
// Range support so the <video> element can seek. URLs carry ids, never paths.
import { protocol } from 'electron';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { mediaFileFor } from '../node/app/media-files';
import type { Project } from '../node/store/project';
import { mediaType, planRange } from '../node/server/ranges';
import { MEDIA_CORS_HEADERS, MEDIA_SCHEME } from '../shared/desktop-policy';

export function registerMediaProtocol(project: () => Project | null): void {
  protocol.handle(MEDIA_SCHEME, async (req) => {
    // The ranged fetches of the review screen's decoded-frame window are cross-origin (aw-app → aw-media).
    if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: MEDIA_CORS_HEADERS });
    const p = project();
    if (!p) return new Response('no project open', { status: 404, headers: MEDIA_CORS_HEADERS });
    try {
      const url = new URL(req.url);
      const file = mediaFileFor(p, `${url.pathname.replace(/^\/+/, '')}`.replace(/^media\//, ''));
      const size = (await fs.promises.stat(file)).size;
      const plan = planRange(size, req.headers.get('range'), mediaType(file));
      if (plan.status === 416) return new Response(null, { status: 416, headers: { ...plan.headers, ...MEDIA_CORS_HEADERS } });
      const stream = Readable.toWeb(fs.createReadStream(file, { start: plan.start, end: plan.end })) as ReadableStream;
      return new Response(stream, { status: plan.status, headers: { ...plan.headers, ...MEDIA_CORS_HEADERS } });
    } catch (e) {
      return new Response((e as Error).message, { status: 404, headers: MEDIA_CORS_HEADERS });
    }
  });
}
