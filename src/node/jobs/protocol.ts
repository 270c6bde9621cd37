// Messages between the supervisor (backend process) and a worker process. One worker runs one job.
export interface StartMessage {
  type: 'start';
  jobId: number;
  kind: string;
  params: Record<string, unknown>;
  projectDir: string | null;
}
export type ToWorker = StartMessage | { type: 'cancel'; jobId: number };

export interface ProgressMessage {
  type: 'progress';
  jobId: number;
  done: number;
  total: number;
  stage: string | null;
  metrics?: Record<string, number> | null;
}
export type FromWorker =
  | { type: 'ready' }
  | ProgressMessage
  | { type: 'log'; jobId: number; level: 'info' | 'warn' | 'error'; line: string }
  | { type: 'meta'; jobId: number; backend?: string; modelId?: number }
  | { type: 'done'; jobId: number; result: unknown }
  | { type: 'error'; jobId: number; message: string; stack?: string }
  | { type: 'cancelled'; jobId: number; result?: unknown };

/** A running worker process, whatever started it (child_process.fork or Electron utilityProcess). */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(msg: ToWorker): void;
  onMessage(listener: (msg: FromWorker) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Last lines the process wrote to stderr (for crash reports). */
  stderrTail(): string;
  kill(): void;
}
export type WorkerLauncher = () => WorkerHandle;
