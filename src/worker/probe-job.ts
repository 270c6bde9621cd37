// The backend probe: selects tfjs-node-gpu → tfjs-node → wasm → cpu and runs a small convolution
// forward and backward on it.
import type { JobFn } from './context';

export const probeJob: JobFn<'probe'> = async (params, ctx) => {
  ctx.progress(0, 2, 'selecting backend');
  const { runProbe } = await import('../ml/probe');
  await ctx.checkpoint();
  const result = await runProbe(params.prefer ? { prefer: params.prefer } : undefined);
  ctx.meta({ backend: result.backend.name });
  ctx.log(`backend ${result.backend.name}; tried ${result.backend.tried.map((t) => `${t.name}${t.error ? ` (${t.error})` : ''}`).join(', ')}`);
  ctx.progress(2, 2, 'done');
  return result;
};
