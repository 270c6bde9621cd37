// What the engine needs from whoever runs it (the worker's JobContext, or a test).
import path from 'node:path';
import { Project } from '../../store/project';
import { openCropCache, type CropCache } from '../../store/crop-cache';
import { initBackend, type BackendInfo } from '../../../ml/backend';
import { CropSource } from './crop-source';
import { FeatureCache } from '../../store/feature-cache';
import type { FeatureStore } from '../../../ml/train/backbone-features';
import { defaultThreadCount } from '../../../base/threads';

export interface EngineHooks {
  progress(done: number, total: number, stage: string | null, metrics?: Record<string, number> | null): void;
  log(line: string, level?: 'info' | 'warn' | 'error'): void;
  /** Throws to cancel; called between work units. */
  checkpoint(): Promise<void>;
  meta?(m: { backend?: string; modelId?: number }): void;
  /** The run (job) id, recorded with epoch metrics. */
  runId?: number;
}

export interface EngineSession {
  project: Project;
  cache: CropCache;
  crops: CropSource;
  /** The project's feature cache: frozen backbones' features, computed once per backbone and frame. */
  readonly features: FeatureStore;
  backend: BackendInfo;
  /**
   * Learning threads for the parallel parts (the frozen backbone's feature pass, students side by
   * side, features beside the heads' training): AW_THREADS, else the cores this process may use
   * (src/ml/threads/pool.ts).
   */
  threads: number;
  /** The job this session works for (models it creates are tied to it: createModel's runId). */
  runId?: number;
  close(): void;
}

/** Opens the project, the crop cache and the compute backend (printed and recorded with the run). */
export async function openSession(projectDir: string, hooks: EngineHooks): Promise<EngineSession> {
  const backend = await initBackend();
  const threads = defaultThreadCount();
  const skipped = backend.tried.filter((t) => t.error).map((t) => (/not installed/.test(t.error ?? '') ? `${t.name} not installed` : `${t.name}: ${t.error}`));
  const native = backend.nativeConv ? (backend.nativeConv.active ? `; native kernels: ${backend.nativeConv.detail}` : `; native kernels: none, ${backend.nativeConv.detail}`) : '';
  hooks.log(
    `compute backend: ${backend.name}${backend.threads ? ` (${backend.threads} thread${backend.threads > 1 ? 's' : ''})` : ''}${skipped.length ? `; ${skipped.join(', ')}` : ''}` +
      `${native}; learning threads: ${threads}${process.env.AW_THREADS ? ' (AW_THREADS)' : ''}`,
  );
  hooks.meta?.({ backend: backend.name });
  const project = Project.open(projectDir);
  const cache = openCropCache(project.dir);
  const featureCache = FeatureCache.open(project.dir);
  return {
    project,
    cache,
    crops: new CropSource(project, cache),
    features: featureCache.asStore(),
    backend,
    threads,
    runId: hooks.runId,
    close() {
      featureCache.close();
      cache.close();
      project.close();
    },
  };
}

export function modelDir(project: Project, modelId: number): string {
  return path.join(project.dir, 'models', String(modelId));
}
