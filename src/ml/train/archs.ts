// The architectures of the training loop, registered: loading this module loads (and so registers)
// the CNN (./cnn.ts) and the CNN-RNN (../rnn/trainer.ts). Callers look an architecture up here.
import './cnn';
import '../rnn/trainer';

export { archTrainer, type Arch, type AnyArchTrainer } from './arch';
export { trainModel } from './trainer';
