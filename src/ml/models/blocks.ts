// Partial fine-tuning: which backbone layers train (TrainConfig.trainBlocks).
//
// A backbone is four blocks counted from the input: face's dense blocks face_dense0..3 (face.ts),
// the ResNets' (and small's) stages s1..s4 (resnet.ts; a ResNet's stem belongs to no block and
// trains only with 'all'). Training the last k blocks makes every other backbone layer
// non-trainable: it leaves trainableVariables, and its batch norms run in inference mode even in
// training passes (TrainableBatchNorm reads `trainable`), as setBackboneTrainable does for the
// whole backbone. 0 blocks is the frozen backbone itself (freezeBackbone, the cached-feature path).
import type { tf } from '../backend';
import { BACKBONE_BLOCKS, type TrainBlocks } from '../../shared/train-config';
import { backboneLayers, setBackboneTrainable } from './build';
import type { MultitaskNet } from './types';

const BLOCK_OF_LAYER = /^(?:face_dense(\d)_|s(\d)b\d+_)/;

/** The block (0..3, from the input) of a backbone layer, or null (input normalisation, a ResNet's stem, the pooling). */
export function backboneBlockOf(layerName: string): number | null {
  const m = BLOCK_OF_LAYER.exec(layerName);
  if (!m) return null;
  return m[1] !== undefined ? Number(m[1]) : Number(m[2]) - 1;
}

/** Whether a backbone layer trains when the last `blocks` blocks do. */
function trains(layerName: string, blocks: TrainBlocks): boolean {
  if (blocks === 'all') return true;
  const b = backboneBlockOf(layerName);
  return b !== null && b >= BACKBONE_BLOCKS - blocks;
}

/** Makes exactly the last `blocks` blocks of the backbone trainable (the heads always are); 0 freezes it. */
export function setTrainedBlocks(net: MultitaskNet, blocks: TrainBlocks): void {
  setBackboneTrainable(net, blocks !== 0);
  if (blocks === 0 || blocks === 'all') return;
  for (const layer of backboneLayers(net)) layer.trainable = trains(layer.name, blocks);
}

/** Names of the backbone's trainable variables (the ones Adam steps at lr × backboneLrScale). */
export function trainableBackboneVariableNames(net: MultitaskNet): string[] {
  return backboneLayers(net)
    .filter((l) => l.trainable)
    .flatMap((l) => l.trainableWeights.map((w) => (w.read() as tf.Variable).name));
}
