// The envelope every call crosses a process boundary in: IPC, HTTP and in-process alike.

export interface ApiError {
  /** Machine-readable kind: 'invalid-input', 'not-found', 'no-project', 'conflict', 'internal', … */
  code: string;
  /** One sentence a user can act on; names the file and line where there is one. */
  message: string;
  /** Validation issues (path + message) or other structured detail. */
  details?: unknown;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (code: string, message: string, details?: unknown): Result<never> => ({
  ok: false,
  error: { code, message, details },
});

/** An error that carries an API error code; handlers throw it, transports turn it into an envelope. */
export class AppError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Unwraps a Result, throwing an AppError for an error envelope (client side convenience). */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new AppError(r.error.code, r.error.message, r.error.details);
}
