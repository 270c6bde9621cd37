// The training screen's own view state: which training dialog is open, which job the jobs panel
// details, which tab shows (jobs or results). A tiny external store like the app's (store.ts); the
// tab is remembered across reloads, the rest belongs to this window.
import { useSyncExternalStore } from 'react';
import type { Split } from '../../../shared/labels';

export type TrainingDialog = 'teacher' | 'soft-labels' | 'students' | 'evaluate';
export type TrainingTab = 'jobs' | 'results';

export interface TrainingUi {
  dialog: TrainingDialog | null;
  selectedJob: number | null;
  tab: TrainingTab;
  /**
   * The dataset ('' = all) and split the results tab shows; `chosen` once the user (or an
   * evaluation they started) picked them, until then the tab may move to where evaluations are.
   */
  results: { dataset: string; split: Split; chosen: boolean; project: string | null };
}

const TAB_KEY = 'aw.training.tab';

function storedTab(): TrainingTab {
  try {
    return localStorage.getItem(TAB_KEY) === 'results' ? 'results' : 'jobs';
  } catch {
    return 'jobs';
  }
}

let ui: TrainingUi = { dialog: null, selectedJob: null, tab: storedTab(), results: { dataset: '', split: 'val', chosen: false, project: null } };
const subs = new Set<() => void>();

function set(patch: Partial<TrainingUi>): void {
  ui = { ...ui, ...patch };
  subs.forEach((s) => s());
}

export function useTrainingUi<T>(select: (s: TrainingUi) => T): T {
  return useSyncExternalStore(
    (fn) => {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    () => select(ui),
  );
}

export function openTrainingDialog(d: TrainingDialog): void {
  set({ dialog: d });
}

export function closeTrainingDialog(): void {
  set({ dialog: null });
}

export function selectJob(jobId: number | null): void {
  set({ selectedJob: jobId });
}

export function showTab(tab: TrainingTab): void {
  try {
    localStorage.setItem(TAB_KEY, tab);
  } catch {
    /* storage unavailable: the tab is not remembered */
  }
  set({ tab });
}

export function showResults(dataset: string, split: Split): void {
  set({ results: { ...ui.results, dataset, split, chosen: true } });
}

/** Shows `dataset` and `split` unless the user chose what the results tab shows (the tab's first look, e.g. after `npm run demo`). */
export function suggestResults(dataset: string, split: Split): void {
  if (!ui.results.chosen) set({ results: { ...ui.results, dataset, split, chosen: false } });
}

/** The results tab of project `dir`: a choice made in another project does not carry over (each opens on its own evaluations). */
export function resultsOfProject(dir: string | null): void {
  if (ui.results.project !== dir) set({ results: { dataset: '', split: 'val', chosen: false, project: dir } });
}

/** A training dialog started a job: show it in the jobs panel and close the dialog (nothing when the start failed). */
export function showStartedJob(jobId: number | undefined): void {
  if (jobId === undefined) return;
  set({ selectedJob: jobId, dialog: null });
  showTab('jobs');
}
