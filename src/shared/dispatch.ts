// Transport-neutral dispatch: validate the payload against the contract, run the handler, wrap the
// outcome in the Result envelope. IPC, HTTP and in-process transports all go through here, so they
// answer the same call identically.
import type { z } from 'zod';
import { isMethodName, methods, type MethodName, type Output, type ParsedInput } from './contract';
import { AppError, err, ok, type Result } from './result';

export type Handlers = { [M in MethodName]: (input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

function describeIssues(issues: readonly z.core.$ZodIssue[]): { message: string; issues: { path: string; message: string }[] } {
  const list = issues.map((i) => ({ path: i.path.map(String).join('.') || '(payload)', message: i.message }));
  return { message: list.map((i) => `${i.path}: ${i.message}`).join('; '), issues: list };
}

export async function dispatch(handlers: Handlers, method: string, payload: unknown): Promise<Result<unknown>> {
  if (!isMethodName(method)) return err('unknown-method', `Unknown method "${method}"`);
  const schema = methods[method].input as z.ZodType;
  const parsed = schema.safeParse(payload ?? {});
  if (!parsed.success) {
    const d = describeIssues(parsed.error.issues);
    return err('invalid-input', `Invalid payload for ${method}: ${d.message}`, d.issues);
  }
  try {
    const handler = handlers[method] as (input: unknown) => unknown;
    const value = await handler(parsed.data);
    return ok(value === undefined ? null : value);
  } catch (e) {
    if (e instanceof AppError) return err(e.code, e.message, e.details);
    // A database driver's busy/locked error (another process holds the write lock): a readable,
    // retryable 'busy', never 'internal'.
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code))
      return err('busy', 'The project database is busy (an import or training job is writing); try again in a moment.');
    const message = e instanceof Error ? e.message : String(e);
    return err('internal', message);
  }
}
