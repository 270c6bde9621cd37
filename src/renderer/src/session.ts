// What the renderer does against the backend: boot, project open/create/close, info and jobs
// queries, and the backend events that keep the state current. Every failure goes to the error
// banner through `guard`, so no backend error is swallowed.
import { AnnotatorName } from '../../shared/annotators-contract';
import type { JobKind, JobParamsInput } from '../../shared/jobs-contract';
import { call, on, transport } from './api';
import { ANNOTATOR_KEY, getState, openDialog, reportError, setState, subscribe, upsertJob, type EventsState } from './store';

/** Runs `fn` with `busy[key]` set; reports any error and returns undefined for it. */
export async function guard<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
  setState((s) => ({ busy: { ...s.busy, [key]: true } }));
  try {
    return await fn();
  } catch (e) {
    reportError(e);
    return undefined;
  } finally {
    setState((s) => ({ busy: { ...s.busy, [key]: false } }));
  }
}

// ---------- who is annotating ----------
// Every label-writing call names its annotator (`author`): the backend keeps each annotator's labels
// as their own layer. The name is asked once and remembered per machine (localStorage); the menu's
// "Annotator name…" changes it.

/** Longest name the backend accepts (the annotations table's CHECK). */
export const MAX_ANNOTATOR_NAME = 120;

/** The annotator's name, or undefined while none was given (the backend then records the OS user). */
export function annotatorName(): string | undefined {
  return getState().annotator ?? undefined;
}

/** `{ author }` for a call that acts as this annotator (undo, redo, history), `{}` while no name is given. */
export function authorArg(): { author?: string } {
  const a = getState().annotator;
  return a ? { author: a } : {};
}

/** A valid name (the contract's rule: trimmed, 1-120 characters, no control characters), or the reason it is not. */
export function checkAnnotatorName(raw: string): { ok: true; name: string } | { ok: false; message: string } {
  if (!raw.trim()) return { ok: false, message: 'Enter a name.' };
  const r = AnnotatorName.safeParse(raw);
  return r.success ? { ok: true, name: r.data } : { ok: false, message: r.error.issues[0]?.message ?? 'Not a valid name.' };
}

export function setAnnotatorName(raw: string): string {
  const c = checkAnnotatorName(raw);
  if (!c.ok) throw new Error(c.message);
  try {
    localStorage.setItem(ANNOTATOR_KEY, c.name);
  } catch {
    /* not remembered (storage refused); still used for this session */
  }
  setState({ annotator: c.name });
  return c.name;
}

/**
 * The annotator's name for a label-writing call: the remembered one, or the answer of the
 * "Who is annotating?" dialog (opened here when none is stored). Null when the dialog was closed
 * without a name: the caller writes nothing.
 */
export function ensureAnnotator(): Promise<string | null> {
  const now = getState().annotator;
  if (now) return Promise.resolve(now);
  if (getState().dialog?.kind !== 'annotator') openDialog({ kind: 'annotator' });
  return new Promise((resolve) => {
    const off = subscribe(() => {
      const s = getState();
      if (s.annotator || s.dialog?.kind !== 'annotator') {
        off();
        resolve(s.annotator);
      }
    });
  });
}

let infoRequest = 0;

/** Reloads project.info; a slower, older answer never overwrites a newer one. */
export async function refreshInfo(): Promise<void> {
  const mine = ++infoRequest;
  if (!getState().project) {
    setState({ info: null });
    return;
  }
  const info = await guard('project.info', () => call('project.info', {}));
  if (mine === infoRequest && info) setState({ info, project: info.project });
}

export async function refreshRecent(): Promise<void> {
  const recent = await guard('project.recent', () => call('project.recent', {}));
  if (recent) setState({ recent });
}

export async function refreshJobs(): Promise<void> {
  if (!getState().project) {
    setState({ jobs: [], progress: {} });
    return;
  }
  const jobs = await guard('jobs.list', () => call('jobs.list', {}));
  if (jobs) setState({ jobs });
}

async function projectChanged(project: ReturnType<typeof getState>['project']): Promise<void> {
  const same = getState().project?.dir === project?.dir;
  setState(same ? { project } : { project, info: null, jobs: [], progress: {} });
  await Promise.all([refreshInfo(), refreshRecent(), same ? Promise.resolve() : refreshJobs()]);
}

export async function createProject(dir: string, name?: string): Promise<boolean> {
  const p = await guard('project.create', () => call('project.create', { dir, ...(name ? { name } : {}) }));
  if (p) await projectChanged(p);
  return !!p;
}

export async function openProject(dir: string): Promise<boolean> {
  const p = await guard('project.open', () => call('project.open', { dir }));
  if (p) await projectChanged(p);
  return !!p;
}

export async function closeProject(): Promise<void> {
  const r = await guard('project.close', () => call('project.close', {}));
  if (r !== undefined) await projectChanged(null);
}

/** Asks for a folder with the native chooser; `supported: false` in browser mode. */
export async function chooseFolder(title: string): Promise<{ supported: boolean; path: string | null } | undefined> {
  return guard('dialog.chooseFolder', () => call('dialog.chooseFolder', { title }));
}

/** Starts job `kind` with params typed by the jobs map (src/shared/jobs-contract.ts); the backend refuses invalid ones, naming the field. */
export async function startJob<K extends JobKind>(kind: K, params: JobParamsInput<K>): Promise<number | undefined> {
  const r = await guard(`jobs.start:${kind}`, () => call('jobs.start', { kind, params }));
  // The job.state events carry the rest; listing now covers an events connection still opening.
  if (r) await refreshJobs();
  return r?.jobId;
}

export async function cancelJob(jobId: number): Promise<void> {
  await guard('jobs.cancel', () => call('jobs.cancel', { jobId }));
}

/** Tracks the browser-mode WebSocket through the flag api.ts sets on <html data-events>. */
function watchEventsConnection(onConnected: () => void): void {
  if (transport === 'ipc') {
    setState({ events: 'ipc' });
    return;
  }
  const read = (): EventsState => {
    const v = document.documentElement.dataset.events;
    return v === 'connected' || v === 'disconnected' ? v : 'connecting';
  };
  new MutationObserver(() => {
    const next = read();
    if (next === getState().events) return;
    setState({ events: next });
    if (next === 'connected') onConnected();
  }).observe(document.documentElement, { attributes: true, attributeFilter: ['data-events'] });
  setState({ events: read() });
}

/** Starts the session: subscribes to events, then loads app info, recent projects and the project. */
export async function boot(runCommand: (id: string) => void): Promise<void> {
  on('project.changed', ({ project }) => void projectChanged(project));
  on('job.state', ({ job }) => {
    setState((s) => ({ jobs: upsertJob(s.jobs, job) }));
    // A finished job may have produced models or labels.
    if (job.status === 'done') void refreshInfo();
  });
  on('job.progress', (p) => setState((s) => ({ progress: { ...s.progress, [p.jobId]: p } })));
  // Label counts are a whole-project aggregate: refresh them once edits pause, not per keystroke.
  let countsTimer: ReturnType<typeof setTimeout> | null = null;
  on('labels.changed', () => {
    if (countsTimer) clearTimeout(countsTimer);
    countsTimer = setTimeout(() => void refreshInfo(), 1500);
  });
  on('menu.command', ({ command }) => runCommand(command));
  // Whatever happened while the events connection was down is fetched again.
  watchEventsConnection(() => {
    if (getState().booted) void Promise.all([refreshInfo(), refreshJobs(), refreshRecent()]);
  });

  const app = await guard('app.info', () => call('app.info', {}));
  setState({ booted: true, version: app?.version ?? null, project: app?.project ?? null });
  await Promise.all([refreshRecent(), refreshInfo(), refreshJobs()]);
}
