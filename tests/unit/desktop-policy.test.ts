// The desktop app's security decisions (src/shared/desktop-policy.ts, used by src/main).
import { describe, expect, it } from 'vitest';
import { APP_URL, isAllowedExternalUrl, isAppUrl, MEDIA_CORS_HEADERS, permissionAllowed, rendererPathOf } from '../../src/shared/desktop-policy';

describe('desktop policy', () => {
  it('opens only allow-listed https documentation externally', () => {
    expect(isAllowedExternalUrl('https://ibug.doc.ic.ac.uk/resources/aff-wild2/')).toBe(true);
    expect(isAllowedExternalUrl('https://arxiv.org/abs/1910.04855')).toBe(true);
    for (const bad of [
      'http://arxiv.org/abs/1910.04855',
      'https://arxiv.org/abs/1910.048550',
      'https://evil.example/https://arxiv.org/abs/1910.04855',
      'https://arxiv.org.evil.example/abs/1910.04855',
      'https://user:pw@arxiv.org/abs/1910.04855',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
      '',
    ])
      expect(isAllowedExternalUrl(bad), bad).toBe(false);
  });

  it('trusts only the app origin (and the dev server in development)', () => {
    expect(isAppUrl(APP_URL)).toBe(true);
    expect(isAppUrl('aw-app://app/index.html#/review/1?frame=3')).toBe(true);
    expect(isAppUrl('aw-app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///tmp/index.html')).toBe(false);
    expect(isAppUrl('https://example.com/')).toBe(false);
    expect(isAppUrl('')).toBe(false);
    expect(isAppUrl(null)).toBe(false);
    expect(isAppUrl('http://localhost:5173/#/', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });

  it('denies every permission but full screen (the review screen\'s F)', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'pointerLock', 'unknown']) expect(permissionAllowed(p)).toBe(false);
    expect(permissionAllowed('fullscreen')).toBe(true);
  });

  it('lets only the app origin read media byte ranges across schemes (the decoded-frame window)', () => {
    expect(MEDIA_CORS_HEADERS['Access-Control-Allow-Origin']).toBe('aw-app://app');
    expect(APP_URL.startsWith(`${MEDIA_CORS_HEADERS['Access-Control-Allow-Origin']}/`)).toBe(true);
    expect(MEDIA_CORS_HEADERS['Access-Control-Allow-Headers']).toBe('Range');
    expect(MEDIA_CORS_HEADERS['Access-Control-Expose-Headers']).toContain('Content-Range');
    expect(MEDIA_CORS_HEADERS['Access-Control-Allow-Methods']).toBe('GET, HEAD');
  });

  it('maps app URLs to files inside the renderer folder only', () => {
    expect(rendererPathOf('aw-app://app/')).toBe('index.html');
    expect(rendererPathOf('aw-app://app/assets/index-abc.js')).toBe('assets/index-abc.js');
    expect(rendererPathOf('aw-media://media/1')).toBeNull();
    expect(rendererPathOf('aw-app://app/%zz')).toBeNull();
    // '..' is normalised away by URL parsing; resolveInside checks containment again on disk.
    expect(rendererPathOf('aw-app://app/../../etc/passwd')).toBe('etc/passwd');
  });
});
