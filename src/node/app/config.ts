// Per-user settings outside any project: the recent-projects list. AW_HOME overrides the folder
// (tests and portable installs); otherwise $XDG_CONFIG_HOME or ~/.config.
// A project whose folder (or its project.sqlite) is gone leaves the list when the list is read and
// when opening it fails (forgetProject); a folder that cannot be checked (permissions) stays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { RecentProject } from '../../shared/contract';
import { writeFileAtomic } from '../../base/fsutil';
import { DB_FILE } from '../store/project';

export function configDir(): string {
  if (process.env.AW_HOME) return process.env.AW_HOME;
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'affect-workbench');
}

const RecentFile = z.object({ version: z.literal(1), projects: z.array(RecentProject) });
const MAX_RECENT = 20;

const recentFile = () => path.join(configDir(), 'recent.json');

function readRecentFile(): RecentProject[] {
  try {
    const parsed = RecentFile.safeParse(JSON.parse(fs.readFileSync(recentFile(), 'utf8')));
    return parsed.success ? parsed.data.projects : [];
  } catch {
    return [];
  }
}

function writeRecent(projects: RecentProject[]): void {
  fs.mkdirSync(configDir(), { recursive: true });
  writeFileAtomic(recentFile(), JSON.stringify({ version: 1, projects }, null, 2));
}

const GONE = new Set(['ENOENT', 'ENOTDIR']);

/** The project folder, or its database file, no longer exists (deleted, moved). Other errors (permissions) say nothing. */
export function projectGone(dir: string): boolean {
  try {
    fs.statSync(path.join(dir, DB_FILE));
    return false;
  } catch (e) {
    return GONE.has((e as NodeJS.ErrnoException).code ?? '');
  }
}

/** The recent projects whose folders still exist; entries of vanished folders are dropped from the file too. */
export function readRecent(): RecentProject[] {
  const all = readRecentFile();
  const kept = all.filter((r) => !projectGone(r.dir));
  if (kept.length !== all.length) {
    try {
      writeRecent(kept);
    } catch {
      /* an unwritable config folder: the list shown is still the right one */
    }
  }
  return kept;
}

export function rememberProject(p: { dir: string; name: string }): RecentProject[] {
  const list = readRecent().filter((r) => r.dir !== p.dir);
  list.unshift({ dir: p.dir, name: p.name, openedAt: new Date().toISOString() });
  const projects = list.slice(0, MAX_RECENT);
  writeRecent(projects);
  return projects;
}

/** Removes `dir` from the recent list (a project that could not be opened because it is gone); true when it was there. */
export function forgetProject(dir: string): boolean {
  const abs = path.resolve(dir);
  const all = readRecentFile();
  const kept = all.filter((r) => r.dir !== abs && r.dir !== dir);
  if (kept.length === all.length) return false;
  writeRecent(kept);
  return true;
}
