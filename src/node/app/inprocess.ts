// The in-process transport: the contract called directly (tests, CLI). Values cross a JSON round
// trip, as over HTTP and IPC, so every transport hands the caller the same data.
import type { ApiClient } from '../../shared/client';
import type { EventName, EventPayload } from '../../shared/contract';
import { dispatch } from '../../shared/dispatch';
import type { Result } from '../../shared/result';
import type { Backend } from './backend';

export function inProcessClient(backend: Backend): ApiClient {
  return {
    async call(method, input) {
      const r = await dispatch(backend.handlers, method, JSON.parse(JSON.stringify(input ?? {})));
      return JSON.parse(JSON.stringify(r)) as Result<never>;
    },
    on<E extends EventName>(event: E, listener: (p: EventPayload<E>) => void) {
      return backend.subscribe((m) => {
        if (m.event === event) listener(JSON.parse(JSON.stringify(m.payload)) as EventPayload<E>);
      });
    },
  };
}
