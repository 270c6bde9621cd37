// A net's weights as plain arrays and back (./protocol.ts NetTransfer): how a worker thread gets
// the exact net the main thread holds, whether built, trained or loaded. The rebuilt net is the
// same config's layers with every weight (trainable or not: batch-norm statistics included)
// overwritten by value, so its backbone key (src/ml/models/fingerprint.ts) is the sender's.
import { tf } from '../backend';
import { buildModel, type MultitaskNet } from '../models';
import type { NetTransfer } from './protocol';

export function netTransfer(net: MultitaskNet): NetTransfer {
  return {
    config: net.config,
    layers: net.model.layers
      .filter((l) => l.weights.length > 0)
      .map((l) => ({ name: l.name, weights: l.weights.map((w) => ({ shape: w.shape.map((d) => d ?? 0), data: (w.read().dataSync() as Float32Array).slice() })) })),
  };
}

export async function netFromTransfer(t: NetTransfer): Promise<MultitaskNet> {
  const net = await buildModel(t.config, { facePretrained: false });
  for (const l of t.layers) {
    const layer = net.model.getLayer(l.name);
    const values = l.weights.map((w) => tf.tensor(w.data, w.shape, 'float32'));
    layer.setWeights(values);
    tf.dispose(values);
  }
  return net;
}
