// The renderer's client of the contract: window.api (IPC through the preload) in Electron, HTTP +
// WebSocket in browser mode. The session token lives in an HttpOnly cookie set by the server.
import type { ApiClient } from '../../shared/client';
import type { EventMessage, EventName, EventPayload, Input, MethodName, Output } from '../../shared/contract';
import { AppError, type Result } from '../../shared/result';
import { MEDIA_SCHEME } from '../../shared/desktop-policy';

function httpClient(): ApiClient {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  let socket: WebSocket | null = null;
  let retry = 500;

  function connect(): void {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${proto}//${location.host}/events`);
    socket.onopen = () => {
      retry = 500;
      document.documentElement.dataset.events = 'connected';
    };
    socket.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as EventMessage;
      listeners.get(msg.event)?.forEach((l) => l(msg.payload));
    };
    socket.onclose = () => {
      document.documentElement.dataset.events = 'disconnected';
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  }

  return {
    async call(method, input) {
      try {
        const res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify(input ?? {}),
        });
        return (await res.json()) as Result<never>;
      } catch (e) {
        return { ok: false, error: { code: 'network', message: `The workbench server did not answer: ${(e as Error).message}` } };
      }
    },
    on(event, listener) {
      if (!socket) connect();
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}

export const api: ApiClient = window.api ?? httpClient();
export const transport: 'ipc' | 'http' = window.api ? 'ipc' : 'http';

/** Calls a method and throws an AppError for an error envelope (for code that shows errors centrally). */
export async function call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
  const r = await api.call(method, input);
  if (!r.ok) throw new AppError(r.error.code, r.error.message, r.error.details);
  return r.value;
}

export function on<E extends EventName>(event: E, listener: (p: EventPayload<E>) => void): () => void {
  return api.on(event, listener);
}

/** URL of a media item's playable file (or of one image frame). */
export function mediaUrl(mediaId: number, frame?: number): string {
  const rest = frame === undefined ? `${mediaId}` : `${mediaId}/frames/${frame}`;
  return transport === 'ipc' ? `${MEDIA_SCHEME}://media/${rest}` : `/media/${rest}`;
}
