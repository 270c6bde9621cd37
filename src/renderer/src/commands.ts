// The one command table. The in-app menu bar, its keyboard accelerators, the native Electron menu
// (through `menu.command` events) and buttons on the screens all run commands by id from here, so
// an action does the same thing wherever it was chosen.
import { MENU_COMMANDS } from '../../shared/menu';
import { navigate } from './router';
import { chooseFolder, closeProject, createProject, openProject, startJob } from './session';
import { getState, openDialog, reportError, type AppState } from './store';
import { trackJobs } from './training/live';
import { openTrainingDialog, type TrainingDialog } from './training/ui-state';

export interface Command {
  run(): void | Promise<void>;
  /** Greyed out in menus when false; running it anyway does nothing. */
  enabled?(s: AppState): boolean;
}

const hasProject = (s: AppState): boolean => s.project !== null;

/** The Training menu: its dialogs live on the training screen, which shows the jobs they start. */
function trainingDialog(d: TrainingDialog): Command {
  return {
    enabled: hasProject,
    run: () => {
      navigate({ name: 'training' });
      openTrainingDialog(d);
    },
  };
}

/**
 * New/Open project: the native folder chooser first (Electron); browser mode has none and answers
 * `supported: false`, so the user types the folder path in a dialog instead.
 */
async function projectFromFolder(mode: 'new' | 'open'): Promise<void> {
  const r = await chooseFolder(mode === 'new' ? 'Folder for the new project' : 'Open project folder');
  if (!r) return; // the error is already on the banner
  if (!r.supported) {
    openDialog({ kind: mode === 'new' ? 'new-project' : 'open-project' });
    return;
  }
  if (r.path === null) return; // cancelled
  if (mode === 'new') await createProject(r.path);
  else await openProject(r.path);
  navigate({ name: 'home' });
}

export const COMMANDS: Record<string, Command> = {
  'project.new': { run: () => projectFromFolder('new') },
  'project.open': { run: () => projectFromFolder('open') },
  'project.close': { run: () => closeProject(), enabled: hasProject },
  'data.import': { enabled: hasProject, run: () => openDialog({ kind: 'import' }) },
  'data.export': { enabled: hasProject, run: () => openDialog({ kind: 'export' }) },
  'train.teacher': trainingDialog('teacher'),
  'train.softLabels': trainingDialog('soft-labels'),
  'train.students': trainingDialog('students'),
  'train.evaluate': trainingDialog('evaluate'),
  'jobs.probe': {
    enabled: hasProject,
    run: async () => {
      navigate({ name: 'training' });
      await startJob('probe', {});
    },
  },
  'view.home': { run: () => navigate({ name: 'home' }) },
  'view.review': {
    run: () => {
      const m = /^#\/review\/(\d+)/.exec(location.hash);
      navigate({ name: 'review', mediaId: m ? Number(m[1]) : null });
    },
  },
  'view.training': { run: () => navigate({ name: 'training' }) },
  'view.agreement': {
    run: () => {
      // from a media item's review, its agreement (with the disagreement strip)
      const m = /^#\/(?:review|agreement)\/(\d+)/.exec(location.hash);
      navigate({ name: 'agreement', mediaId: m ? Number(m[1]) : null });
    },
  },
  'annotator.change': { run: () => openDialog({ kind: 'annotator' }) },
  'help.shortcuts': { run: () => openDialog({ kind: 'shortcuts' }) },
  'help.about': { run: () => openDialog({ kind: 'about' }) },
};

export function isEnabled(id: string, s: AppState = getState()): boolean {
  const c = COMMANDS[id];
  return !!c && (c.enabled?.(s) ?? true);
}

/** Runs a command by id; an unknown id (a menu out of step with this table) is shown as an error. */
export function runCommand(id: string): void {
  const c = COMMANDS[id];
  if (!c) {
    reportError(new Error(`Unknown command "${id}"`));
    return;
  }
  if (!isEnabled(id)) return;
  Promise.resolve()
    .then(() => c.run())
    .catch(reportError);
}

// Live loss curves and logs of jobs follow their events from the start of the session.
trackJobs();

// Every menu item must have a command; a gap is a programming error, loud in the console (the e2e
// tests fail on console errors).
const missing = MENU_COMMANDS.filter((id) => !COMMANDS[id]);
if (missing.length) console.error(`Menu commands without an implementation: ${missing.join(', ')}`);
