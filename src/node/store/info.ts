// The project overview: datasets with frame and label counts per task, media, models.
// Shared by `info --json`, the renderer's home screen and the contract method project.info.
import type { DatasetSummary, MediaSummary, ModelSummary, ProjectInfo } from '../../shared/contract';
import type { Project } from './project';
import { labelCountsByMedia } from '../labels/labels';

export function projectInfo(project: Project): ProjectInfo {
  const db = project.db;
  const counts = labelCountsByMedia(db);
  const media = db
    .prepare(
      `SELECT id, dataset_id AS datasetId, name, kind, path, fps, frame_count AS frameCount, width, height
       FROM media ORDER BY dataset_id, name`,
    )
    .all() as Omit<MediaSummary, 'labels'>[];
  const splitRows = db
    .prepare(
      `SELECT m.dataset_id AS datasetId, f.split AS split, COUNT(*) AS n
       FROM frames f JOIN media m ON m.id = f.media_id GROUP BY m.dataset_id, f.split`,
    )
    .all() as { datasetId: number; split: string; n: number }[];
  const datasets = (
    db.prepare("SELECT id, name, source_format AS sourceFormat, settings FROM datasets WHERE state = 'ready' ORDER BY name").all() as {
      id: number;
      name: string;
      sourceFormat: string;
      settings: string;
    }[]
  ).map((d): DatasetSummary => {
    const dm = media.filter((m) => m.datasetId === d.id).map((m) => ({ ...m, labels: counts.get(m.id) ?? { au: 0, expr: 0, va: 0 } }));
    const splits: Record<string, number> = {};
    for (const s of splitRows.filter((r) => r.datasetId === d.id)) splits[s.split] = s.n;
    return {
      id: d.id,
      name: d.name,
      sourceFormat: d.sourceFormat,
      settings: JSON.parse(d.settings) as Record<string, unknown>,
      frames: Object.values(splits).reduce((a, b) => a + b, 0),
      splits,
      labels: dm.reduce((acc, m) => ({ au: acc.au + m.labels.au, expr: acc.expr + m.labels.expr, va: acc.va + m.labels.va }), {
        au: 0,
        expr: 0,
        va: 0,
      }),
      media: dm,
    };
  });
  const models = db
    .prepare(
      `SELECT m.id, m.name, m.kind, m.arch, m.backbone, m.parent_id AS parentId, m.status, m.created_at AS createdAt,
              (SELECT COUNT(*) FROM soft_labels s WHERE s.model_id = m.id) AS softLabels
       FROM models m ORDER BY m.id`,
    )
    .all() as ModelSummary[];
  return { project: project.summary(), datasets, models };
}
