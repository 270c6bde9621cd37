// Messages between the learning core and its worker threads (./pool.ts, ./thread-main.ts). Arrays of
// floats travel as Float32Arrays (structured clone; transferred where the sender gives them up).
import type { BackendName } from '../backend';
import type { ModelConfig } from '../models/types';
import type { Arch, TrainResult } from '../train/arch';
import type { ReplicaJoin } from './replicas';

/** What a model trained in a thread answers: the loop's result without the net (saved in its folder, then disposed). */
export type ThreadTrainResult = Omit<TrainResult<unknown>, 'net'>;

/** What a thread says while it trains (the training loop's hooks), before its answer. */
export type ThreadEvent =
  | { type: 'progress'; done: number; total: number; stage: string; metrics?: Record<string, number> }
  | { type: 'log'; line: string }
  | { type: 'epoch'; epoch: number; metrics: Record<string, unknown> };

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
  | { type: 'features'; n: number; x: Float32Array }
  /** The loaded net's 55-float records (inference mode, the whole net) of n images [n, size, size, 3]. */
  | { type: 'records'; n: number; x: Float32Array }
  /**
   * Train one model with `arch`'s registered trainer on `backend` (1 thread of its own), from the
   * input its trainer made portable (../train/arch.ts ArchTrainer.portable), saving it in its
   * folder as a run in the calling thread would; events while it trains, then 'trained'.
   */
  | { type: 'train'; backend: BackendName; arch: Arch; input: unknown }
  /** Become a data-parallel replica (./replicas.ts) of the model `join.spec` describes; answers 'replica'. */
  | { type: 'replica'; backend: BackendName; join: ReplicaJoin }
  /** One step as a replica: these rows (null: none this step) among `members` replicas with rows; answers 'replica-step'. */
  | { type: 'replica-step'; batch: unknown; members: number };

export type FromThread =
  | { type: 'hello' }
  | { type: 'loaded'; key: string; backend: string }
  | { type: 'features'; data: Float32Array }
  | { type: 'records'; data: Float32Array }
  | { type: 'trained'; result: ThreadTrainResult }
  | { type: 'replica' }
  | { type: 'replica-step' }
  | ThreadEvent
  | { type: 'error'; message: string };
