// Worker job 'export': runExport (src/node/export) off the UI's process, for File → Export….
// params: ExportRequest { format, out (absolute, or relative to the project), options }.
// Progress counts frames; cancel aborts between chunks of frames and leaves no file under `out`.
// Result: the ExportSummary (rows, files, warnings, policy, model, AU columns, elapsed time).
import path from 'node:path';
import { CancelledError, type JobFn } from './context';

export const exportJob: JobFn<'export'> = async (req, ctx) => {
  if (!ctx.projectDir) throw new Error('the export job needs an open project');
  const { runExport } = await import('../node/export');
  const abort = new AbortController();
  const timer = setInterval(() => ctx.isCancelled && abort.abort(), 100);
  try {
    const onProgress = (done: number, total: number) => {
      if (ctx.isCancelled) abort.abort(); // checked here too: progress comes every few thousand frames
      ctx.progress(done, total, 'exporting');
    };
    const s = await runExport({ dir: ctx.projectDir }, req.format, path.resolve(ctx.projectDir, req.out), req.options, onProgress, abort.signal);
    ctx.log(`exported ${s.rows} frames to ${s.out} (${s.format}, policy ${s.policy}) in ${(s.elapsedMs / 1000).toFixed(1)} s`);
    for (const w of s.warnings) ctx.log(w, 'warn');
    return s;
  } catch (e) {
    if (abort.signal.aborted || (e as { code?: string }).code === 'cancelled') throw new CancelledError();
    throw e;
  } finally {
    clearInterval(timer);
  }
};
