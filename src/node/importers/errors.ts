// Errors of an import. Every validation failure names the file (relative to the source root the
// user gave), the line (or JSON key) and what was expected, so a researcher can fix the file
// without guessing; the whole import is then rolled back (see writer.ts).
import { AppError } from '../../shared/result';

export interface InputErrorDetails {
  file: string;
  /** 1-based line number in the file; absent for whole-file problems. */
  line?: number;
  expected?: string;
  got?: string;
}

/** Shows a value the way the user typed it, shortened so a binary line does not flood the terminal. */
export function quote(s: string, max = 60): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(t);
}

/**
 * `EXPR_Set/Train_Set/v1.txt line 17: expected one integer in -1..6, got "9"`.
 * `where` replaces "line N" for formats that have no lines (JSON keys).
 */
export function inputError(file: string, line: number | string | undefined, expected: string, got?: string): AppError {
  const at = line === undefined ? '' : typeof line === 'number' ? ` line ${line}` : ` ${line}`;
  const tail = got === undefined ? '' : `, got ${quote(got)}`;
  return new AppError('invalid-input', `${file}${at}: expected ${expected}${tail}`, {
    file,
    line: typeof line === 'number' ? line : undefined,
    expected,
    got,
  } satisfies InputErrorDetails);
}

/** A problem with a file or folder as a whole (missing, unreadable, wrong layout). */
export function fileError(file: string, problem: string): AppError {
  return new AppError('invalid-input', `${file}: ${problem}`, { file } satisfies InputErrorDetails);
}

/** Thrown when the caller's AbortSignal fires; the transaction is rolled back like any error. */
export function cancelledError(): AppError {
  return new AppError('cancelled', 'Import cancelled; the project is unchanged.');
}
