// Last lines of defence for the browser-mode server: whatever a request carries, an error becomes an
// answer (or a closed socket) and never an exception that ends the process.
import http from 'node:http';
import type { Duplex } from 'node:stream';

const noop = (): void => {};

/** How long a refused socket may take to flush its answer before it is destroyed anyway. */
const FLUSH_MS = 2000;

/**
 * Writes a bare HTTP status answer on a raw socket (an upgrade or a request the parser refused),
 * then closes it once the answer is flushed. Never throws.
 */
export function answerOnSocket(socket: Duplex, status: number): void {
  try {
    socket.on('error', noop);
    if (socket.destroyed) return;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const reason = http.STATUS_CODES[status] ?? 'Error';
    const timer = setTimeout(() => socket.destroy(), FLUSH_MS);
    timer.unref();
    socket.once('finish', () => {
      clearTimeout(timer);
      socket.destroy();
    });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n`);
  } catch {
    socket.destroy();
  }
}

export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Wraps an 'upgrade' listener: the socket gets an error listener at once (Node removes its own before
 * the event, and an 'error' without a listener is an uncaught exception), and anything the handler
 * throws is answered with a 500 on the socket, which is then destroyed.
 */
export function guardUpgrade(handler: UpgradeHandler, onError: (e: unknown) => void = noop): UpgradeHandler {
  return (req, socket, head) => {
    socket.on('error', noop);
    try {
      handler(req, socket, head);
    } catch (e) {
      try {
        onError(e);
      } catch {
        /* a failing logger must not end the process either */
      }
      answerOnSocket(socket, 500);
    }
  };
}

/**
 * The server's 'clientError' listener (a request the HTTP parser refused, a reset, a timeout):
 * answers like Node's default (400, 408, 413 or 431) unless a response is already under way on the
 * socket, and closes the socket; never throws.
 */
export function onClientError(e: Error & { code?: string }, socket: Duplex): void {
  try {
    socket.on('error', noop);
    // As Node's default: no answer when a response on this socket has already started (it would
    // corrupt it) or the peer is gone.
    const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (e.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    const status =
      e.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : e.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : e.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
            ? 413
            : 400;
    answerOnSocket(socket, status);
  } catch {
    socket.destroy();
  }
}
