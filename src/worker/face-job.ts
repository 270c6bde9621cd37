// Worker job 'faces': the face pipeline (src/node/media/faces.ts) over one or more media items of
// the open project, in the worker process that owns TensorFlow.js. Progress counts frames over all
// the items; cancel is honoured between batches, and everything committed before it stays done, so
// running the job again resumes where it stopped (so does a run after a crash or kill).
//
// params: { mediaId?: number, mediaIds?: number[], mode?: 'detect' | 'aligned', batchSize?: number,
//           redetectEvery?: number, minScore?: number, threads?: number }
import { Project } from '../node/store/project';
import type { JobFn } from './context';

interface FaceJobParams {
  mediaIds: number[];
  mode: 'detect' | 'aligned';
  batchSize?: number;
  redetectEvery?: number;
  minScore?: number;
  threads?: number;
}

/** Validates the job's params (they arrive as untyped JSON). Exported for tests. */
export function parseFaceJobParams(params: Record<string, unknown>): FaceJobParams {
  const ids = params.mediaIds ?? (params.mediaId === undefined ? undefined : [params.mediaId]);
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => Number.isInteger(x) && (x as number) > 0)) {
    throw new Error('faces job needs mediaId (a positive integer) or mediaIds (a non-empty list of them)');
  }
  const mode = params.mode ?? 'detect';
  if (mode !== 'detect' && mode !== 'aligned') throw new Error(`faces job: mode must be 'detect' or 'aligned', got ${String(mode)}`);
  const num = (k: string, min: number, max: number): number | undefined => {
    const v = params[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= min && v <= max)) throw new Error(`faces job: ${k} must be a number in [${min}, ${max}]`);
    return v;
  };
  return {
    mediaIds: ids as number[],
    mode,
    batchSize: num('batchSize', 1, 1024),
    redetectEvery: num('redetectEvery', 1, 100000),
    minScore: num('minScore', 0.05, 1),
    threads: num('threads', 1, 64),
  };
}

export const faceJob: JobFn = async (params, ctx) => {
  const p = parseFaceJobParams(params);
  if (!ctx.projectDir) throw new Error('faces job needs an open project');
  const project = Project.open(ctx.projectDir);
  try {
    const { runFacePipeline } = await import('../node/media/faces');
    let models;
    if (p.mode === 'detect') {
      ctx.progress(0, 1, 'loading face models');
      const { loadFaceModels } = await import('../node/media/faceapi');
      models = await loadFaceModels({ threads: p.threads });
      ctx.meta({ backend: models.backend.split(';')[0] });
      ctx.log(`face models on ${models.backend}`);
    }
    const count = project.db.prepare('SELECT COUNT(*) FROM frames WHERE media_id = ?').pluck();
    const sizes = p.mediaIds.map((id) => count.get(id) as number);
    const total = sizes.reduce((a, b) => a + b, 0);
    const results = [];
    let before = 0;
    for (let i = 0; i < p.mediaIds.length; i++) {
      await ctx.checkpoint();
      const r = await runFacePipeline(project, p.mediaIds[i], {
        mode: p.mode,
        models,
        batchSize: p.batchSize,
        redetectEvery: p.redetectEvery,
        minScore: p.minScore,
        onProgress: (done) => ctx.progress(before + done, total, 'faces'),
        checkpoint: () => ctx.checkpoint(),
      });
      ctx.log(`media ${r.mediaId}: ${r.processed} frames (${r.ok} with a face, ${r.none} without) at ${r.framesPerSecond.toFixed(1)} frames/s; ${r.skipped} done before`);
      results.push(r);
      before += sizes[i];
    }
    return { media: results, frames: total };
  } finally {
    project.close();
  }
};
