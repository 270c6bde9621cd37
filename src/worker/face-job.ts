// Worker job 'faces': the face pipeline (src/node/media/faces.ts) over one or more media items of
// the open project, in the worker process that owns TensorFlow.js. Progress counts frames over all
// the items; cancel is honoured between batches, and everything committed before it stays done, so
// running the job again resumes where it stopped (so does a run after a crash or kill).
//
// params: FacesParams (src/shared/jobs-contract.ts): { mediaId?: number, mediaIds?: number[],
//           mode?: 'detect' | 'aligned', batchSize?, redetectEvery?, minScore?, threads? }
import { defaultThreadCount } from '../base/threads';
import { Project } from '../node/store/project';
import { describeParamIssues, FacesParams, type JobParams } from '../shared/jobs-contract';
import type { JobFn } from './context';

interface FaceJobParams {
  mediaIds: number[];
  mode: 'detect' | 'aligned';
  batchSize?: number;
  redetectEvery?: number;
  minScore?: number;
  threads?: number;
}

/** The job's params with one list of media (mediaId or mediaIds). */
function normalise(p: JobParams<'faces'>): FaceJobParams {
  const { mediaId, mediaIds, ...rest } = p;
  return { ...rest, mediaIds: mediaIds ?? (mediaId === undefined ? [] : [mediaId]) };
}

/** Validates params as they arrive (untyped JSON) with the job map's schema, naming the fields. Exported for tests. */
export function parseFaceJobParams(params: unknown): FaceJobParams {
  const r = FacesParams.safeParse(params);
  if (!r.success) throw new Error(`faces job: ${describeParamIssues(r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(params)', message: i.message })))}`);
  return normalise(r.data);
}

export const faceJob: JobFn<'faces'> = async (params, ctx) => {
  const p = normalise(params);
  if (!ctx.projectDir) throw new Error('faces job needs an open project');
  const project = Project.open(ctx.projectDir);
  const { runFacePipeline, FaceThreadsSession } = await import('../node/media/faces');
  // Detection uses every core: face threads (AW_THREADS, else the cores), kept for all the items.
  const session = p.mode === 'detect' ? new FaceThreadsSession(p.threads ?? defaultThreadCount()) : undefined;
  try {
    if (p.mode === 'detect') ctx.progress(0, 1, 'loading face models');
    const count = project.db.prepare('SELECT COUNT(*) FROM frames WHERE media_id = ?').pluck();
    const sizes = p.mediaIds.map((id) => count.get(id) as number);
    const total = sizes.reduce((a, b) => a + b, 0);
    const results = [];
    let before = 0;
    let said = '';
    for (let i = 0; i < p.mediaIds.length; i++) {
      await ctx.checkpoint();
      const r = await runFacePipeline(project, p.mediaIds[i], {
        mode: p.mode,
        session,
        batchSize: p.batchSize,
        redetectEvery: p.redetectEvery,
        minScore: p.minScore,
        onStart: ({ threads, backend, note }) => {
          const line = `face models on ${backend}; face threads: ${threads}${note ? ` (${note})` : ''}`;
          if (line === said) return;
          said = line;
          ctx.meta({ backend: backend.split(';')[0] });
          ctx.log(line);
        },
        onProgress: (done) => ctx.progress(before + done, total, 'faces'),
        checkpoint: () => ctx.checkpoint(),
      });
      ctx.log(`media ${r.mediaId}: ${r.processed} frames (${r.ok} with a face, ${r.none} without) at ${r.framesPerSecond.toFixed(1)} frames/s in ${r.threads} thread${r.threads > 1 ? 's' : ''}; ${r.skipped} done before`);
      results.push(r);
      before += sizes[i];
    }
    return { media: results, frames: total };
  } finally {
    await session?.close();
    project.close();
  }
};
