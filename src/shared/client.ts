// What every client of the contract looks like: the renderer (IPC or HTTP), tests and the CLI.
import type { EventName, EventPayload, Input, MethodName, Output } from './contract';
import type { Result } from './result';

export interface ApiClient {
  /** Calls a contract method; never throws for backend errors, which arrive as `{ ok: false }`. */
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Result<Output<M>>>;
  /** Subscribes to a backend event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
