// Per-user settings outside any project: the recent-projects list. AW_HOME overrides the folder
// (tests and portable installs); otherwise $XDG_CONFIG_HOME or ~/.config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { RecentProject } from '../../shared/contract';
import { writeFileAtomic } from '../../base/fsutil';

export function configDir(): string {
  if (process.env.AW_HOME) return process.env.AW_HOME;
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'affect-workbench');
}

const RecentFile = z.object({ version: z.literal(1), projects: z.array(RecentProject) });
const MAX_RECENT = 20;

export function readRecent(): RecentProject[] {
  const file = path.join(configDir(), 'recent.json');
  try {
    const parsed = RecentFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data.projects : [];
  } catch {
    return [];
  }
}

export function rememberProject(p: { dir: string; name: string }): RecentProject[] {
  const list = readRecent().filter((r) => r.dir !== p.dir);
  list.unshift({ dir: p.dir, name: p.name, openedAt: new Date().toISOString() });
  const projects = list.slice(0, MAX_RECENT);
  fs.mkdirSync(configDir(), { recursive: true });
  writeFileAtomic(path.join(configDir(), 'recent.json'), JSON.stringify({ version: 1, projects }, null, 2));
  return projects;
}
