// The backend: the contract's handlers over the open project. One instance per window (Electron)
// or per server (browser mode) or per CLI command. Plain Node: no electron import.
import type { EventMessage, EventName, EventPayload } from '../../shared/contract';
import type { Handlers } from '../../shared/dispatch';
import { AppError } from '../../shared/result';
import { forgetProject, projectGone, readRecent, rememberProject } from './config';
import { projectInfo } from '../store/info';
import { labelsInRange } from '../labels/labels';
import { JobSupervisor } from '../jobs/supervisor';
import { nodeLauncher } from '../jobs/node-launcher';
import type { WorkerLauncher } from '../jobs/protocol';
import { Project } from '../store/project';
import { cleanupStaleImports } from '../importers/index';
import { trainingHandlers } from '../training/handlers';
import { reviewHandlers } from '../review/handlers';
import { dataHandlers } from '../export/handlers';
import { annotatorHandlers } from '../labels/annotator-handlers';
import { agreementHandlers } from '../agreement/handlers';
import { adjudicationHandlers } from '../adjudication/handlers';
import { APP_VERSION } from './version';

export type Transport = 'ipc' | 'http' | 'inprocess';
export type EventListener = (msg: EventMessage) => void;

export interface BackendOptions {
  transport: Transport;
  launcher?: WorkerLauncher;
  cancelGraceMs?: number;
  /** Native folder chooser (Electron main supplies one). */
  chooseFolder?: (title: string) => Promise<string | null>;
}

export class Backend {
  private project: Project | null = null;
  private supervisor: JobSupervisor | null = null;
  private readonly listeners = new Set<EventListener>();
  readonly handlers: Handlers;

  constructor(private readonly opts: BackendOptions) {
    this.handlers = this.makeHandlers();
  }

  /** The open project, or a clear error for calls that need one. */
  requireProject(): Project {
    if (!this.project) throw new AppError('no-project', 'No project is open: create or open one first.');
    return this.project;
  }

  get currentProject(): Project | null {
    return this.project;
  }

  get jobs(): JobSupervisor {
    this.requireProject();
    return this.supervisor!;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const msg = { event, payload } as EventMessage;
    for (const l of this.listeners) {
      try {
        l(msg);
      } catch {
        /* a broken listener must not break the backend */
      }
    }
  }

  /** Opens (or creates) a project; `remember: false` keeps a throwaway one (the probe's) off the recent list. */
  openProject(dir: string, create: boolean, name?: string, remember = true): Project {
    const next = create ? Project.create(dir, name) : Project.open(dir);
    this.closeProject();
    this.project = next;
    this.supervisor = new JobSupervisor(next.db, next.dir, this.opts.launcher ?? nodeLauncher(), (e, p) => this.emit(e, p), {
      cancelGraceMs: this.opts.cancelGraceMs,
    });
    // Hidden datasets of imports whose process died are removed (in short transactions, in the background).
    void cleanupStaleImports(next).catch(() => {});
    const summary = next.summary();
    if (remember) {
      try {
        rememberProject({ dir: summary.dir, name: summary.name });
      } catch {
        /* an unwritable config folder must not stop work on the project */
      }
    }
    this.emit('project.changed', { project: summary });
    return next;
  }

  closeProject(): void {
    const project = this.project;
    if (!project) return;
    // The running job's last writes (its final status) land before the database closes.
    const supervisor = this.supervisor;
    void (supervisor ? supervisor.shutdown() : Promise.resolve()).finally(() => project.close());
    this.project = null;
    this.supervisor = null;
    this.emit('project.changed', { project: null });
  }

  async close(): Promise<void> {
    await this.supervisor?.shutdown();
    this.project?.close();
    this.project = null;
    this.supervisor = null;
  }

  private makeHandlers(): Handlers {
    return {
      'app.info': () => ({ version: APP_VERSION, transport: this.opts.transport, project: this.project?.summary() ?? null }),
      'project.create': ({ dir, name }) => this.openProject(dir, true, name).summary(),
      'project.open': ({ dir }) => {
        try {
          return this.openProject(dir, false).summary();
        } catch (e) {
          // A vanished project (folder deleted or moved) leaves the recent list; the renderer re-reads it.
          if (!projectGone(dir)) throw e;
          let forgotten = false;
          try {
            forgotten = forgetProject(dir);
          } catch {
            /* an unwritable config folder: the error below still says what happened */
          }
          if (!forgotten) throw e;
          throw new AppError('not-found', `The project ${dir} is gone (its folder or its database was deleted or moved); it was removed from the recent projects.`);
        }
      },
      'project.close': () => {
        this.closeProject();
        return null;
      },
      'project.recent': () => readRecent(),
      'project.info': () => projectInfo(this.requireProject()),
      'dialog.chooseFolder': async ({ title }) =>
        this.opts.chooseFolder ? { supported: true, path: await this.opts.chooseFolder(title) } : { supported: false, path: null },
      'labels.range': ({ mediaId, from, to }) => {
        const p = this.requireProject();
        const exists = p.db.prepare("SELECT 1 FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE m.id = ? AND d.state = 'ready'").get(mediaId);
        if (!exists) throw new AppError('not-found', `No media item with id ${mediaId}`);
        return labelsInRange(p.db, mediaId, from, to);
      },
      'jobs.start': ({ kind, params }) => ({ jobId: this.jobs.start(kind, params) }),
      'jobs.list': () => this.jobs.list(),
      'jobs.cancel': ({ jobId }) => {
        if (!this.jobs.get(jobId)) throw new AppError('not-found', `No job with id ${jobId}`);
        return { cancelled: this.jobs.cancel(jobId) };
      },
      ...trainingHandlers(this),
      ...reviewHandlers(this),
      ...dataHandlers(this),
      ...annotatorHandlers(this),
      ...agreementHandlers(this),
      ...adjudicationHandlers(this),
    };
  }
}
