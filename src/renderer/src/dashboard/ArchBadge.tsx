// A model's architecture as a small badge: CNN (per frame) or CNN-RNN (GRUs over frame windows).
import type { ModelDetail } from '../../../shared/training-contract';

const LABEL: Record<ModelDetail['arch'], string> = { cnn: 'CNN', 'cnn-rnn': 'CNN-RNN' };

export function ArchBadge({ arch }: { arch: ModelDetail['arch'] }) {
  return (
    <span className={`arch-badge arch-${arch}`} data-testid="model-arch" data-arch={arch}>
      {LABEL[arch]}
    </span>
  );
}
