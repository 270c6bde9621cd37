// What every format importer gets: the writer (the open transaction), the summary, the validated
// options, the media port, progress reporting that also yields and honours cancellation, and the
// crop cache (opened and put into its own transaction on first use; committed after the project).
import type { Project } from '../store/project';
import { CropCache } from '../store/crop-cache';
import { cancelledError } from './errors';
import type { MediaPort } from './media-port';
import type { ImportOptions } from './options';
import type { SummaryBuilder } from './summary';
import type { ImportWriter } from './writer';

/** Progress: `done` of `total` units (bytes, files or images, per stage) in the named stage. */
export type ProgressFn = (done: number, total: number, stage: string) => void;

/** How often progress is reported and the event loop is given a turn (ms). */
const TICK_MS = 50;

export class ImportContext {
  private last = 0;
  private cache: CropCache | null = null;

  constructor(
    readonly project: Project,
    readonly w: ImportWriter,
    readonly sum: SummaryBuilder,
    readonly opts: ImportOptions,
    readonly port: MediaPort,
    readonly datasetName: string,
    private readonly onProgress?: ProgressFn,
    private readonly signal?: AbortSignal,
  ) {}

  /** Reports progress at most every TICK_MS, yields to the event loop then, and throws if cancelled. */
  async progress(done: number, total: number, stage: string): Promise<void> {
    const now = performance.now();
    if (now - this.last < TICK_MS && done < total) return;
    this.last = now;
    if (this.signal?.aborted) throw cancelledError();
    this.onProgress?.(done, total, stage);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.signal?.aborted) throw cancelledError();
  }

  /** The project's crop cache, inside a transaction that commits only if the import does. */
  crops(): CropCache {
    if (!this.cache) {
      this.cache = CropCache.open(this.project.dir);
      this.cache.begin();
    }
    return this.cache;
  }

  /** After the project's COMMIT. */
  commitCrops(): void {
    this.cache?.commit();
  }

  rollbackCrops(): void {
    this.cache?.rollback();
  }

  close(): void {
    this.cache?.close();
    this.cache = null;
  }
}
