// The engine's architectures by models.arch (./arch.ts; the trainers they use are looked up in
// src/ml/train/archs.ts).
import type { Arch } from '../../../ml/train/arch';
import type { RecordsArch } from './arch';
import { cnnEngine } from './cnn-arch';
import { rnnEngine } from './rnn-arch';

export { cnnEngine, rnnEngine };

const ENGINE_ARCHS: Record<Arch, RecordsArch> = { cnn: cnnEngine, 'cnn-rnn': rnnEngine };

export function engineArch(arch: Arch): RecordsArch {
  const a = ENGINE_ARCHS[arch];
  if (!a) throw new Error(`unknown model architecture '${arch}'`);
  return a;
}
