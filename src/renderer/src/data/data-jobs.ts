// File → Import… and File → Export… as jobs: the import job, then — when it reports media whose
// frames still need faces and the user chose a faces mode — the 'faces' job over them; the export
// through the contract method data.export. Errors are thrown to the dialog that started the work.
// The follow-up is driven by job.state events here, not by the dialog, so it happens even when the
// dialog was closed while the import ran.
import { useSyncExternalStore } from 'react';
import type { JobSummary } from '../../../shared/contract';
import type { ExportRequest } from '../../../shared/export-options';
import type { ImportRequest } from '../../../shared/import-options';
import { jobResultOf, type JobParamsInput, type JobResult } from '../../../shared/jobs-contract';
import { call, on } from '../api';
import { refreshJobs } from '../session';
import { getState } from '../store';

export type FacesMode = 'detect' | 'aligned' | 'none';
export const FACES_MODES: { value: FacesMode; label: string }[] = [
  { value: 'detect', label: 'detect faces, then align (videos, sequences)' },
  { value: 'aligned', label: 'frames are already aligned face crops' },
  { value: 'none', label: 'none (run the faces job later)' },
];

/** What the 'import' job returns (src/node/importers/service.ts PreparedImport), typed by the jobs map. */
export type ImportResult = JobResult<'import'>;

export interface ImportFlow {
  faces: FacesMode;
  /** The faces job started after the import, when there was one to start. */
  facesJobId: number | null;
  /** Media left without faces (mode none), or why the faces job did not start. */
  note: string | null;
  followedUp: boolean;
}

const flows = new Map<number, ImportFlow>();
const subscribers = new Set<() => void>();
let version = 0;
let listening = false;

function changed(): void {
  version++;
  for (const s of subscribers) s();
}

async function startJob<K extends 'import' | 'faces'>(kind: K, params: JobParamsInput<K>): Promise<number> {
  const { jobId } = await call('jobs.start', { kind, params });
  await refreshJobs();
  return jobId;
}

async function followUp(job: JobSummary): Promise<void> {
  const flow = flows.get(job.id);
  if (!flow || flow.followedUp || job.status !== 'done') return;
  flow.followedUp = true;
  const need = jobResultOf('import', job)?.needFaces ?? [];
  if (need.length === 0) return changed();
  if (flow.faces === 'none') {
    flow.note = `${need.length} media item${need.length > 1 ? 's' : ''} still need faces: run the faces job before training.`;
    return changed();
  }
  try {
    flow.facesJobId = await startJob('faces', { mediaIds: need, mode: flow.faces });
  } catch (e) {
    flow.note = `The faces job did not start: ${(e as Error).message}`;
  }
  changed();
}

function listen(): void {
  if (listening) return;
  listening = true;
  on('job.state', ({ job }) => void followUp(job));
}

/** Starts the import job; the faces job follows when the import is done. Resolves to the import's job id. */
export async function startImport(req: ImportRequest, faces: FacesMode): Promise<number> {
  listen();
  const jobId = await startJob('import', req);
  flows.set(jobId, { faces, facesJobId: null, note: null, followedUp: false });
  changed();
  // the job may already be done (events arrive before this line on a fast machine)
  const job = getState().jobs.find((j) => j.id === jobId);
  if (job) await followUp(job);
  return jobId;
}

export async function startExport(req: ExportRequest): Promise<number> {
  const { jobId } = await call('data.export', req);
  await refreshJobs();
  return jobId;
}

/** The follow-up state of an import job, live. */
export function useImportFlow(jobId: number | null): ImportFlow | undefined {
  useSyncExternalStore(
    (fn) => {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    () => version,
  );
  return jobId === null ? undefined : flows.get(jobId);
}
