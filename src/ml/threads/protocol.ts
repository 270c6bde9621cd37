// Messages between the learning core and its worker threads (./pool.ts, ./thread-main.ts). Arrays of
// floats travel as Float32Arrays (structured clone; transferred where the sender gives them up).
import type { BackendName } from '../backend';
import type { ModelConfig } from '../models/types';

/** A net's weights by layer, enough to rebuild it exactly in another thread (./net-transfer.ts). */
export interface NetTransfer {
  config: ModelConfig;
  layers: { name: string; weights: { shape: number[]; data: Float32Array }[] }[];
}

export type ToThread =
  | { type: 'hello' }
  /** Initialise `backend` (1 thread of its own) and rebuild the net; answers the backbone's key. */
  | { type: 'load'; backend: BackendName; net: NetTransfer }
  /** Backbone features (inference mode) of n images [n, size, size, 3]. */
  | { type: 'features'; n: number; x: Float32Array };

export type FromThread =
  | { type: 'hello' }
  | { type: 'loaded'; key: string; backend: string }
  | { type: 'features'; data: Float32Array }
  | { type: 'error'; message: string };
