// `affect-workbench agreement DIR [--dataset NAME] [--media ID] [--model ID] [--json]`: how well the
// project's annotators agree (the Agreement view's figures): a table per scope, or one JSON document.
import { Command } from 'commander';
import { AppError } from '../../shared/result';
import { Project } from '../../node/store/project';
import { computeAgreement, datasetIdByName } from '../../node/agreement/compute';
import { formatAgreement } from '../format-agreement';

interface Flags {
  dataset?: string;
  media?: string;
  model?: string;
  breakdown: boolean;
  json?: boolean;
}

function positiveId(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1) throw new AppError('invalid-input', `${flag} takes a positive id, not "${v}"`);
  return Number(v);
}

export function registerAgreementCommand(program: Command): Command {
  return program
    .command('agreement')
    .description("inter-rater agreement of the project's annotators per task (Cohen's and Fleiss' κ, Krippendorff's α, CCC, ICC), each also against the ground truth and a model")
    .argument('<dir>', 'project folder')
    .option('--dataset <name>', 'only this dataset')
    .option('--media <id>', 'only this media item (its id, as `info --json` lists it)')
    .option('--model <id>', "add this model's decisions as a reference column")
    .option('--no-breakdown', 'only the whole scope, not each dataset and media item under it')
    .option('--json', 'print one JSON document (the contract method agreement.compute answers the same)')
    .action((dir: string, o: Flags) => {
      const mediaId = positiveId('--media', o.media);
      const modelId = positiveId('--model', o.model);
      const project = Project.open(dir);
      try {
        const datasetId = o.dataset === undefined ? undefined : datasetIdByName(project.db, o.dataset);
        const report = computeAgreement(project.db, { datasetId, mediaId, modelId, breakdown: o.breakdown });
        process.stdout.write(`${o.json ? JSON.stringify(report, null, 2) : formatAgreement(report)}\n`);
      } finally {
        project.close();
      }
    });
}
