// A project is a folder: project.sqlite + media/ + models/ + cache/ (DESIGN.md §4).
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import type { ProjectSummary } from '../../shared/contract';
import { openDatabase, userVersion, type Db } from './database';

export const DB_FILE = 'project.sqlite';
export const SUBDIRS = ['media', 'models', 'cache'] as const;

export class Project {
  private constructor(
    readonly dir: string,
    readonly db: Db,
  ) {}

  /** Creates a new project in `dir` (which must be missing or empty of a project). */
  static create(dir: string, name?: string): Project {
    const abs = path.resolve(dir);
    if (fs.existsSync(path.join(abs, DB_FILE))) {
      throw new AppError('conflict', `A project already exists in ${abs}; open it instead.`);
    }
    if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) {
      throw new AppError('invalid-input', `${abs} is a file, not a folder.`);
    }
    fs.mkdirSync(abs, { recursive: true });
    for (const d of SUBDIRS) fs.mkdirSync(path.join(abs, d), { recursive: true });
    const db = openDatabase(path.join(abs, DB_FILE), { create: true });
    const now = new Date().toISOString();
    const put = db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)');
    db.transaction(() => {
      put.run('name', name ?? path.basename(abs));
      put.run('created_at', now);
    })();
    return new Project(abs, db);
  }

  static open(dir: string): Project {
    const abs = path.resolve(dir);
    const file = path.join(abs, DB_FILE);
    if (!fs.existsSync(file)) throw new AppError('not-found', `No project in ${abs} (missing ${DB_FILE}).`);
    const db = openDatabase(file);
    for (const d of SUBDIRS) fs.mkdirSync(path.join(abs, d), { recursive: true });
    return new Project(abs, db);
  }

  meta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  summary(): ProjectSummary {
    return {
      dir: this.dir,
      name: this.meta('name') ?? path.basename(this.dir),
      schemaVersion: userVersion(this.db),
      createdAt: this.meta('created_at') ?? '',
    };
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
