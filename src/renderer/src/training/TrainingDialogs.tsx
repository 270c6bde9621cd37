// Hosts the open training dialog (Train teacher…, Generate soft labels…, Train students…,
// Evaluate…). Mounted by the training screen; the menu commands navigate there and open one.
import { EvaluateDialog, SoftLabelsDialog } from './ModelJobDialogs';
import { TrainDialog } from './TrainDialog';
import { useTrainingUi } from './ui-state';

export function TrainingDialogs() {
  const dialog = useTrainingUi((s) => s.dialog);
  switch (dialog) {
    case 'teacher':
      return <TrainDialog role="teacher" />;
    case 'students':
      return <TrainDialog role="student" />;
    case 'soft-labels':
      return <SoftLabelsDialog />;
    case 'evaluate':
      return <EvaluateDialog />;
    default:
      return null;
  }
}
