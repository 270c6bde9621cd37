// The contract method data.export (File → Export…): checks what can be checked at once — the
// policy, the filters, the target — so a mistake is an answer, not a failed job, then starts the
// worker job 'export' that writes the file with progress and cancel (src/worker/export-job.ts).
import path from 'node:path';
import type { Handlers } from '../../shared/dispatch';
import type { Backend } from '../app/backend';
import { checkTarget } from './atomic';
import { checkAnnotatorLayout, parseExportAnnotatorPolicy, parsePolicy, parseSources, parseSplits } from './options';

export function dataHandlers(backend: Backend): Pick<Handlers, 'data.export'> {
  return {
    'data.export': (req) => {
      const project = backend.requireProject();
      const out = path.resolve(project.dir, req.out);
      parsePolicy(req.options.policy);
      parseSplits(req.options.splits);
      parseSources(req.options.sources);
      parseExportAnnotatorPolicy(req.options.annotatorPolicy);
      checkAnnotatorLayout(req.format, req.options.annotators, req.options.probabilities);
      checkTarget(out, req.format === 'affwild2' ? 'folder' : 'file', !!req.options.overwrite);
      return { jobId: backend.jobs.start('export', { ...req, out }) };
    },
  };
}
