// Runs and models dashboard: the paper's Table 2 for a chosen dataset and split (optionally one
// teacher's family), per-AU and per-class F1 of every row, the selected row's confusion matrix and
// valence/arousal scatter, and the models themselves (review overlay choice, rename, delete).
import { useState } from 'react';
import { SPLITS, type Split } from '../../../shared/labels';
import type { EvaluationRow } from '../../../shared/training-contract';
import { runCommand } from '../commands';
import { useApp } from '../store';
import { showResults, useTrainingUi } from '../training/ui-state';
import { ConfusionMatrix, PerAuTable, PerClassTable } from './Breakdown';
import { useEvaluationTable, useModelDetails, useVaPoints } from './data';
import { ModelsPanel } from './ModelsPanel';
import { rowLabels, Table2 } from './Table2';
import { VaScatter } from './VaScatter';

/** Rows of one teacher's family (the teacher and every model trained from it); all rows for null. */
export function familyRows(rows: EvaluationRow[], teacher: number | null): EvaluationRow[] {
  return teacher === null ? rows : rows.filter((r) => r.modelId === teacher || r.parentId === teacher);
}

export function Dashboard() {
  const info = useApp((s) => s.info);
  const { dataset, split } = useTrainingUi((s) => s.results);
  const table = useEvaluationTable(dataset, split);
  const models = useModelDetails();
  const [teacher, setTeacher] = useState<number | null>(null);
  const [tunedChoice, setTuned] = useState(false);
  // Thresholds are tuned on the validation split: figures at them are shown for other splits only.
  const tuned = tunedChoice && split !== 'val';
  const [selected, setSelected] = useState<number | null>(null);
  const all = table && table.dataset === dataset && table.split === split ? table.rows : [];
  const rows = familyRows(all, teacher);
  const labels = rowLabels(rows);
  const current = rows.find((r) => r.id === selected) ?? rows.find((r) => r.kind === 'ensemble') ?? rows[0] ?? null;
  const points = useVaPoints(current?.id ?? null);
  const teachers = (models ?? []).filter((m) => m.kind === 'teacher');
  const datasets = [...new Set([...(info?.datasets ?? []).map((d) => d.name), ...(table?.available ?? []).map((a) => a.dataset).filter(Boolean)])];
  const evaluated = (ds: string, sp: Split) => table?.available.find((a) => a.dataset === ds && a.split === sp)?.models ?? 0;

  return (
    <div className="stack" data-testid="dashboard">
      <section className="panel">
        <h2 className="panel-title">Results (Table 2)</h2>
        <div className="toolbar dashboard-pickers">
          <label className="inline-field">
            Dataset
            <select className="input" data-testid="results-dataset" value={dataset} onChange={(e) => showResults(e.target.value, split)}>
              <option value="">All datasets</option>
              {datasets.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            Split
            <select className="input" data-testid="results-split" value={split} onChange={(e) => showResults(dataset, e.target.value as Split)}>
              {SPLITS.map((s) => (
                <option key={s} value={s}>
                  {s} {evaluated(dataset, s) ? `(${evaluated(dataset, s)} models)` : ''}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            Models
            <select className="input" data-testid="results-family" value={teacher ?? ''} onChange={(e) => setTeacher(e.target.value ? Number(e.target.value) : null)}>
              <option value="">All evaluated</option>
              {teachers.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                  {t.arch === 'cnn-rnn' ? ' (CNN-RNN)' : ''} and its students
                </option>
              ))}
            </select>
          </label>
          <label className="check" title="AU is scored at threshold 0.5 (the paper's Table 2). Models trained with tuned thresholds have them tuned on the validation split, so their figures are shown for the other splits only.">
            <input type="checkbox" data-testid="results-tuned" checked={tuned} disabled={split === 'val'} onChange={(e) => setTuned(e.target.checked)} />
            AU at thresholds tuned on val {split === 'val' ? '(other splits only)' : '(instead of 0.5)'}
          </label>
          <button type="button" className="button" data-testid="results-evaluate" onClick={() => runCommand('train.evaluate')}>
            Evaluate…
          </button>
        </div>
        {rows.length === 0 ? (
          <p className="empty" data-testid="table2-empty">
            No evaluations of {dataset || 'all datasets'} / {split} yet. Training → Evaluate… runs the ABAW metrics for the models you choose; each result lands here.
          </p>
        ) : (
          <Table2 rows={rows} selected={current?.id ?? null} onSelect={setSelected} tuned={tuned} />
        )}
      </section>
      {rows.length > 0 && (
        <section className="panel">
          <h2 className="panel-title">Per AU and per class</h2>
          <div className="table-scroll">
            <PerAuTable rows={rows} labels={labels} tuned={tuned} />
          </div>
          <div className="table-scroll">
            <PerClassTable rows={rows} labels={labels} />
          </div>
        </section>
      )}
      {current && (
        <section className="panel" data-testid="evaluation-detail" data-model-id={current.modelId}>
          <h2 className="panel-title">
            {labels[rows.indexOf(current)]}: {current.name} #{current.modelId} <span className="panel-count">evaluated {new Date(current.at).toLocaleString('en-GB')}</span>
          </h2>
          <div className="detail-grid">
            <div>
              <h3 className="sub-title">Expression confusion matrix</h3>
              <ConfusionMatrix row={current} />
            </div>
            <div>
              <h3 className="sub-title">Valence and arousal</h3>
              <VaScatter row={current} points={points} />
            </div>
          </div>
        </section>
      )}
      <section className="panel">
        <h2 className="panel-title">Models</h2>
        <p className="panel-hint">The review screen overlays the soft labels of the model chosen here. Deleting a model removes its files, soft labels and evaluations.</p>
        {models ? <ModelsPanel models={models} /> : <p className="empty">Loading…</p>}
      </section>
    </div>
  );
}
