// The hook through which training-mode batch norm's per-channel sums can be combined across
// processes (synchronised batch norm for data-parallel worker threads, each holding a shard of
// the batch). Default: none, every sum stays this process's own.
//
// Batch norm over M = Σ_shards M_s rows needs three global sums per layer and step:
//   'mean'      [Σx_0 … Σx_{C−1}, M]                 → mean = Σx / M
//   'variance'  [Σ(x−mean)²_0 … Σ(x−mean)²_{C−1}]     → variance = Σ(x−mean)² / M (two-pass, with
//                                                        the global mean)
//   'gradient'  [Σdy_0 … Σdy_{C−1}, Σdy·(x−mean)_0 … Σdy·(x−mean)_{C−1}, M]
// Every process calls the reducer with its partial sums in exactly this order (mean, variance
// in each forward pass, gradient in each backward pass, layer by layer as the graph runs) and
// gets the element-wise sums over all processes back (same length). Gradients of gamma and beta
// stay this process's own share (sum them across processes like every other weight gradient);
// the input gradient uses the global sums.

/** The three reductions of one batch-norm layer, in call order. */
export type ChannelSumStage = 'mean' | 'variance' | 'gradient';

/** Partial sums of this process in, global sums (element-wise sums over processes, same length) out. */
export type ChannelSumReducer = (partial: Float64Array, stage: ChannelSumStage) => Float64Array;

let reducer: ChannelSumReducer | null = null;

/** Installs (or with null removes) the reducer every training-mode batch norm calls between passes. */
export function setChannelSumReducer(r: ChannelSumReducer | null): void {
  reducer = r;
}

/** The installed reducer, or null. */
export function getChannelSumReducer(): ChannelSumReducer | null {
  return reducer;
}

/** `partial` combined by the installed reducer (itself when none is installed). */
export function reduceChannelSums(partial: Float64Array, stage: ChannelSumStage): Float64Array {
  if (reducer == null) return partial;
  const global = reducer(partial, stage);
  if (global.length !== partial.length) {
    throw new Error(`channel-sum reducer returned ${global.length} values for ${partial.length} (${stage})`);
  }
  return global;
}
