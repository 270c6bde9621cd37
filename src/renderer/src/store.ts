// The renderer's application state: one small external store read through `useApp(selector)`.
// Plain functions (commands, event handlers) update it; React components only read it. Kept this
// small on purpose: the backend owns the truth, this holds the last answer of each query.
import { useSyncExternalStore } from 'react';
import type { EventPayload, JobSummary, ProjectInfo, ProjectSummary, RecentProject } from '../../shared/contract';

export type EventsState = 'ipc' | 'connecting' | 'connected' | 'disconnected';

export interface Notice {
  id: number;
  code: string;
  message: string;
}

export type DialogState =
  | { kind: 'new-project'; path?: string }
  | { kind: 'open-project'; path?: string }
  | { kind: 'not-yet'; title: string; body: string; comesWith: string; cli?: string }
  | { kind: 'about' }
  | { kind: 'shortcuts' }
  | { kind: 'import' }
  | { kind: 'export' }
  /** Who is annotating: asked before the first label is written when no name is stored, and from the menu. */
  | { kind: 'annotator' };

export interface AppState {
  /** False until the first app.info answer; screens show nothing misleading before it. */
  booted: boolean;
  version: string | null;
  project: ProjectSummary | null;
  info: ProjectInfo | null;
  recent: RecentProject[];
  errors: Notice[];
  dialog: DialogState | null;
  events: EventsState;
  jobs: JobSummary[];
  progress: Record<number, EventPayload<'job.progress'>>;
  /** Methods in flight; buttons that start them show it and do not start them twice. */
  busy: Record<string, boolean>;
  /** The annotator's name this machine remembers (localStorage 'aw.annotator'); null until given. */
  annotator: string | null;
}

/** Where the annotator's name is remembered, per machine (and browser profile). */
export const ANNOTATOR_KEY = 'aw.annotator';

function storedAnnotator(): string | null {
  try {
    const v = localStorage.getItem(ANNOTATOR_KEY)?.trim();
    return v ? v : null;
  } catch {
    return null; // storage refused (a privacy setting): the name is asked for this session
  }
}

let state: AppState = {
  booted: false,
  version: null,
  project: null,
  info: null,
  recent: [],
  errors: [],
  dialog: null,
  events: 'connecting',
  jobs: [],
  progress: {},
  busy: {},
  annotator: storedAnnotator(),
};
const subscribers = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
  const p = typeof patch === 'function' ? patch(state) : patch;
  state = { ...state, ...p };
  for (const s of subscribers) s();
}

export function subscribe(fn: () => void): () => void {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

/** Reads a slice of the state; the selector must return a stored value (not a fresh object). */
export function useApp<T>(select: (s: AppState) => T): T {
  return useSyncExternalStore(subscribe, () => select(state));
}

let nextNoticeId = 1;

/** Shows an error to the user (the error banner); never swallow a backend error. */
export function reportError(e: unknown): void {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'error';
  const message = e instanceof Error ? e.message : String(e);
  setState((s) => ({ errors: [...s.errors.slice(-3), { id: nextNoticeId++, code, message }] }));
}

export function dismissError(id: number): void {
  setState((s) => ({ errors: s.errors.filter((n) => n.id !== id) }));
}

export function openDialog(d: DialogState): void {
  setState({ dialog: d });
}

export function closeDialog(): void {
  setState({ dialog: null });
}

/** Inserts or replaces a job by id, newest first. */
export function upsertJob(jobs: JobSummary[], job: JobSummary): JobSummary[] {
  const rest = jobs.filter((j) => j.id !== job.id);
  return [job, ...rest].sort((a, b) => b.id - a.id);
}
