// Worker job 'import': a dataset import plus proxies, off the UI's process. The import writes in
// short transactions (a new dataset) and yields between them, so the UI's edits are not held up.
// params: ImportRequest { format, sources: string[], options } (src/shared/import-options.ts), validated by the job map.
import { Project } from '../node/store/project';
import type { JobFn } from './context';

export const importJob: JobFn<'import'> = async (req, ctx) => {
  if (!ctx.projectDir) throw new Error('this job needs an open project');
  const { importAndPrepare } = await import('../node/importers/service');
  const project = Project.open(ctx.projectDir);
  const abort = new AbortController();
  const timer = setInterval(() => ctx.isCancelled && abort.abort(), 100);
  try {
    const r = await importAndPrepare(project, req.format, req.sources, req.options, (d, t, st) => ctx.progress(d, t, st ?? 'importing'), abort.signal);
    ctx.log(`imported ${r.summary.frames} frames into ${r.summary.dataset}; ${r.needFaces.length} media need faces`);
    return r;
  } finally {
    clearInterval(timer);
    project.close();
  }
};
