// An import as the user experiences it: the labels/media import (staged in short transactions and
// published at once, or one transaction for a re-import: src/node/importers/writer.ts), then the
// work that must not run inside it — playable proxies for videos Chromium cannot play — and the
// list of video/sequence media whose frames still need faces (the 'faces' job does that).
import type { Project } from '../store/project';
import { wireMediaPort } from './wiring';
import { ensureProxy } from '../media/video';
import type { ImportFormat, ImportOptions, ImportSummary, ProgressFn } from './';

export interface PreparedImport {
  summary: ImportSummary;
  proxies: number;
  /** Media of the imported dataset with frames whose face status is still unknown. */
  needFaces: number[];
}

export async function importAndPrepare(
  project: Project,
  format: ImportFormat,
  sources: string[],
  options: ImportOptions | Record<string, unknown>,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<PreparedImport> {
  wireMediaPort();
  const { runImport } = await import('./index');
  const summary = await runImport(project, format, sources, options, onProgress, { signal });
  const datasetId = summary.datasetId || undefined;
  let proxies = 0;
  const needFaces: number[] = [];
  if (datasetId !== undefined) {
    const videos = project.db.prepare(`SELECT id, name FROM media WHERE dataset_id = ? AND kind = 'video' AND proxy_path IS NULL`).all(datasetId) as {
      id: number;
      name: string;
    }[];
    for (const [i, v] of videos.entries()) {
      const made = await ensureProxy(project, v.id, { signal, onProgress: (d, t) => onProgress?.(d, t, `proxy ${i + 1}/${videos.length}: ${v.name}`) });
      if (made) proxies++;
    }
    needFaces.push(
      ...(project.db
        .prepare(
          `SELECT DISTINCT m.id FROM media m JOIN frames f ON f.media_id = m.id
           WHERE m.dataset_id = ? AND m.kind IN ('video', 'sequence') AND f.face = 'unknown' ORDER BY m.id`,
        )
        .pluck()
        .all(datasetId) as number[]),
    );
  }
  return { summary, proxies, needFaces };
}
