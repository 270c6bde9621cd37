// Parsing of the untrusted parts of a request (request target, cookies, headers, content type) by
// functions that never throw: any other local web page can send this server garbage, and a parse
// error must become a 4xx answer, never an exception (one thrown in an event handler ends the process).

/** A header as one string, or undefined when absent; repeated values are joined as Node joins them. */
export function headerValue(v: string | string[] | undefined, separator = ', '): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(separator) : v;
}

/** decodeURIComponent that answers null for malformed percent-encoding instead of throwing URIError. */
export function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * Every value of the cookie `name` in a Cookie header, percent-decoded. A cookie that is not valid
 * percent-encoding (another app's `x=100%`) is skipped, not an error; repeated names all count
 * (cookies are shared across ports, so another local server may set one of the same name).
 */
export function cookieValues(header: string | string[] | undefined, name: string): string[] {
  const out: string[] = [];
  const h = headerValue(header, '; ');
  if (!h) return out;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0 || part.slice(0, i).trim() !== name) continue;
    const value = safeDecode(part.slice(i + 1).trim());
    if (value !== null) out.push(value);
  }
  return out;
}

/** True when the media type (before any `;` parameters, trimmed, case-insensitive) is exactly application/json. */
export function isJsonContentType(v: string | string[] | undefined): boolean {
  if (typeof v !== 'string') return false;
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/**
 * The request target as a URL, or null when it is malformed. Origin-form (`/path?query`) is the
 * normal case; absolute-form (`http://host:port/path`) is accepted only for an allowed host, as
 * HTTP/1.1 requires servers to accept it. `*` (OPTIONS) and anything else answer null.
 */
export function parseRequestTarget(target: string | undefined, allowedHosts: ReadonlySet<string>): URL | null {
  if (!target) return null;
  try {
    if (target.startsWith('/')) {
      // A fixed authority in front: `//evil/x` stays the path "//evil/x" instead of naming a host.
      return new URL(`http://127.0.0.1${target}`);
    }
    if (!/^http:\/\//i.test(target)) return null;
    const url = new URL(target);
    if (url.username || url.password || !allowedHosts.has(url.host)) return null;
    return url;
  } catch {
    return null;
  }
}

/** A same-site redirect target: the path with its leading slashes collapsed, so it can never read as `//host`. */
export function localRedirect(url: URL): string {
  return `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
}
