// Shared fixtures of the importer tests: a fresh project in a temp folder, files written from
// text, a fake media port (a "video" is a text file "frames=N" — probing is the media module's
// business, not the importers'), and a dump of the whole project database for before/after checks.
import fs from 'node:fs';
import path from 'node:path';
import { Project } from '../../src/node/store/project';
import { registerVideoFromProbe, type MediaPort } from '../../src/node/importers/media-port';
import { tempDir } from './helpers';

export interface Fixture {
  dir: string;
  project: Project;
  /** Writes `text` (or bytes) to `rel` under the fixture folder, creating folders; returns the path. */
  write: (rel: string, text: string | Uint8Array) => string;
  path: (...parts: string[]) => string;
  cleanup: () => void;
}

export function fixture(): Fixture {
  const t = tempDir('aw-import-');
  const project = Project.create(path.join(t.dir, 'project'));
  const write = (rel: string, text: string | Uint8Array) => {
    const file = path.join(t.dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
  return {
    dir: t.dir,
    project,
    write,
    path: (...parts) => path.join(t.dir, ...parts),
    cleanup: () => {
      project.close();
      t.cleanup();
    },
  };
}

/** A media port whose videos are text files "frames=N"; timestamps at 30000/1001 fps. */
export const fakePort: MediaPort = {
  registerVideo: registerVideoFromProbe(async (file) => {
    const m = /frames=(\d+)/.exec(fs.readFileSync(file, 'utf8'));
    if (!m) throw new Error(`not a fake video: ${file}`);
    const n = Number(m[1]);
    const fps = 30000 / 1001;
    return { codec: 'h264', width: 64, height: 64, fps, fpsRational: '30000/1001', duration: n / fps, timestamps: Array.from({ length: n }, (_, i) => i / fps) };
  }),
};

/** Every row of every table (ordered), as JSON: equal dumps = identical project contents. */
export function dump(project: Project): string {
  const tables = project.db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
  const out: Record<string, unknown[]> = {};
  for (const t of tables) {
    const n = (project.db.prepare(`SELECT COUNT(*) FROM pragma_table_info(?)`).pluck().get(t) as number) || 1;
    const order = Array.from({ length: n }, (_, i) => i + 1).join(', ');
    out[t] = project.db.prepare(`SELECT * FROM "${t}" ORDER BY ${order}`).safeIntegers(true).raw().all();
  }
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('base64') : v));
}

/** dump() with ISO timestamps blanked: a re-import rewrites updated_at, which is not a content change. */
export function dumpContent(project: Project): string {
  return dump(project).replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"T"');
}

export interface LabelRow {
  media: string;
  idx: number;
  task: string;
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
}

/** Imported labels with their media name and frame index, ordered. */
export function labels(project: Project, task?: string): LabelRow[] {
  return project.db
    .prepare(
      `SELECT m.name AS media, f.idx, l.task, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal
       FROM labels l JOIN frames f ON f.id = l.frame_id JOIN media m ON m.id = f.media_id
       WHERE l.layer = 'imported' ${task ? 'AND l.task = ?' : ''} ORDER BY m.name, f.idx, l.task`,
    )
    .safeIntegers(true)
    .all(...(task ? [task] : []))
    .map((r) => ({ ...(r as LabelRow), idx: Number((r as LabelRow).idx) }));
}

export function frames(project: Project, media?: string): { media: string; idx: number; split: string; face: string; path: string | null; subject: string | null }[] {
  return project.db
    .prepare(
      `SELECT m.name AS media, f.idx, f.split, f.face, f.path, f.subject FROM frames f JOIN media m ON m.id = f.media_id
       ${media ? 'WHERE m.name = ?' : ''} ORDER BY m.name, f.idx`,
    )
    .all(...(media ? [media] : [])) as never;
}

export function count(project: Project, table: string): number {
  return project.db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number;
}

/** Bit set of AU numbers, as stored. */
export function auSet(...aus: number[]): bigint {
  return aus.reduce((a, n) => a | (1n << BigInt(n)), 0n);
}
