// Contract methods of File → Export… (spread into `methods` in contract.ts). Imports run as the
// worker job 'import' through jobs.start (params: ImportRequest, src/shared/import-options.ts).
import { z } from 'zod';
import { ExportRequest } from './export-options';

export const dataMethods = {
  /**
   * Starts the worker job 'export' (progress, cancel and the ExportSummary result through the jobs
   * API). A relative `out` is resolved against the project folder. Refused at once (no job) when
   * the target exists and `options.overwrite` is not set, or the policy / filters are malformed.
   */
  'data.export': { input: ExportRequest, output: z.object({ jobId: z.number().int().positive() }) },
} as const;
