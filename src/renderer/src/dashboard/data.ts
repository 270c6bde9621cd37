// The dashboard's queries: the stored evaluations of one dataset and split (Table 2), the models
// with their details, and one evaluation's valence/arousal sample. Each refetches when what it
// shows may have changed: an evaluate job finished, or the project's models changed.
import { useEffect, useState } from 'react';
import type { Split } from '../../../shared/labels';
import type { ModelDetail, VaPoints } from '../../../shared/training-contract';
import type { Output } from '../../../shared/contract';
import { call } from '../api';
import { reportError, useApp } from '../store';

export type EvaluationTable = Output<'evaluations.table'>;

/** Changes whenever an evaluate job finishes (its report is then in the table). */
function useEvaluationsDone(): number {
  return useApp((s) => s.jobs.filter((j) => j.kind === 'evaluate' && j.status === 'done').length);
}

export function useEvaluationTable(dataset: string, split: Split): EvaluationTable | null {
  const done = useEvaluationsDone();
  const models = useApp((s) => s.info?.models);
  const [table, setTable] = useState<EvaluationTable | null>(null);
  useEffect(() => {
    let live = true;
    call('evaluations.table', { dataset, split })
      .then((t) => live && setTable(t))
      .catch(reportError);
    return () => {
      live = false;
    };
  }, [dataset, split, done, models]);
  return table;
}

/** The models with their stored configs (models.list), asked again when evaluations finish; `wanted` false asks nothing. */
export function useModelDetails(wanted = true): ModelDetail[] | null {
  const info = useApp((s) => s.info);
  const done = useEvaluationsDone();
  const [models, setModels] = useState<ModelDetail[] | null>(null);
  useEffect(() => {
    if (!info || !wanted) return;
    let live = true;
    call('models.list', {})
      .then((m) => live && setModels(m))
      .catch(reportError);
    return () => {
      live = false;
    };
  }, [info, done, wanted]);
  return models;
}

export function useVaPoints(evaluationId: number | null): VaPoints | null {
  const [points, setPoints] = useState<{ id: number; p: VaPoints } | null>(null);
  useEffect(() => {
    if (evaluationId === null) return;
    let live = true;
    call('evaluations.points', { evaluationId })
      .then((p) => live && setPoints({ id: evaluationId, p }))
      .catch(reportError);
    return () => {
      live = false;
    };
  }, [evaluationId]);
  return points && points.id === evaluationId ? points.p : null;
}
