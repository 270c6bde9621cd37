// Runs and models dashboard: the paper's Table 2 for a chosen dataset and split (optionally one
// teacher's family) — one table per reference, each captioned with what it is measured against
// (the ground truth present in the split, or the demo's complete truth), the split and the frames
// per task —, per-AU and per-class F1 of the selected row's table, the selected row's confusion
// matrix and valence/arousal scatter, and the models themselves (review overlay choice, rename, delete).
import { useEffect, useLayoutEffect, useState } from 'react';
import { SPLITS, type Split } from '../../../shared/labels';
import type { EvaluationRow } from '../../../shared/training-contract';
import { runCommand } from '../commands';
import { useApp } from '../store';
import { resultsOfProject, showResults, suggestResults, useTrainingUi } from '../training/ui-state';
import { ConfusionMatrix, PerAuTable, PerClassTable } from './Breakdown';
import { useEvaluationTable, useModelDetails, useVaPoints } from './data';
import { ModelsPanel } from './ModelsPanel';
import { commonCounts, countsText, groupTables, preferredResults, referenceText, rowLabels, tableCaption } from './table2-data';
import { Table2 } from './Table2';
import { VaScatter } from './VaScatter';

/** Rows of one teacher's family (the teacher and every model trained from it); all rows for null. */
export function familyRows(rows: EvaluationRow[], teacher: number | null): EvaluationRow[] {
  return teacher === null ? rows : rows.filter((r) => r.modelId === teacher || r.parentId === teacher);
}

export function Dashboard() {
  const info = useApp((s) => s.info);
  const projectDir = useApp((s) => s.project?.dir ?? null);
  useLayoutEffect(() => resultsOfProject(projectDir), [projectDir]);
  const { dataset, split } = useTrainingUi((s) => s.results);
  const table = useEvaluationTable(dataset, split);
  const models = useModelDetails();
  const [teacher, setTeacher] = useState<number | null>(null);
  const [tunedChoice, setTuned] = useState(false);
  // Thresholds are tuned on the validation split: figures at them are shown for other splits only.
  const tuned = tunedChoice && split !== 'val';
  const [selected, setSelected] = useState<number | null>(null);
  const loaded = table && table.dataset === dataset && table.split === split ? table : null;
  // Nothing chosen yet and nothing evaluated here: show where evaluations are (after `npm run demo`, its test split).
  const suggestion = loaded ? preferredResults(loaded.available, { dataset, split }) : null;
  useEffect(() => {
    if (suggestion) suggestResults(suggestion.dataset, suggestion.split);
  }, [suggestion?.dataset, suggestion?.split]);
  const rows = familyRows(loaded?.rows ?? [], teacher);
  const groups = groupTables(rows);
  const picked = rows.find((r) => r.id === selected);
  const group = (picked && groups.find((g) => g.rows.includes(picked))) ?? groups[0] ?? null;
  const groupRows = group?.rows ?? [];
  const labels = rowLabels(groupRows);
  const current = picked ?? groupRows.find((r) => r.kind === 'ensemble') ?? groupRows[0] ?? null;
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
        {groups.length === 0 ? (
          <p className="empty" data-testid="table2-empty">
            No evaluations of {dataset || 'all datasets'} / {split} yet. Training → Evaluate… runs the ABAW metrics for the models you choose; each result lands here.
          </p>
        ) : (
          <>
            {groups.some((g) => g.reference === 'complete-truth') && (
              <p className="panel-hint" data-testid="table2-references">
                The demo knows every frame&apos;s complete truth; its labels reveal only part of it. Each table says what it is measured against, so their figures differ.
              </p>
            )}
            {groups.map((g) => (
              <figure key={`${g.reference}/${g.measuredOn}`} className="table2-group" data-testid="table2-group" data-reference={g.reference} data-measured-on={g.measuredOn}>
                <figcaption className="table2-caption">
                  <span data-testid="table2-caption">{tableCaption({ ...g, dataset, split })}</span>{' '}
                  <span className="muted" data-testid="table2-counts">
                    {countsText(commonCounts(g.rows))}
                  </span>
                </figcaption>
                <Table2 rows={g.rows} selected={current?.id ?? null} onSelect={setSelected} tuned={tuned} />
              </figure>
            ))}
          </>
        )}
      </section>
      {group && (
        <section className="panel">
          <h2 className="panel-title">
            Per AU and per class{' '}
            {groups.length > 1 && <span className="panel-count">against {referenceText(group.reference)} (the selected row&apos;s table)</span>}
          </h2>
          <div className="table-scroll">
            <PerAuTable rows={groupRows} labels={labels} tuned={tuned} />
          </div>
          <div className="table-scroll">
            <PerClassTable rows={groupRows} labels={labels} />
          </div>
        </section>
      )}
      {current && (
        <section className="panel" data-testid="evaluation-detail" data-model-id={current.modelId}>
          <h2 className="panel-title">
            {labels[groupRows.indexOf(current)]}: {current.name} #{current.modelId}{' '}
            <span className="panel-count">
              against {referenceText(current.reference)}, evaluated {new Date(current.at).toLocaleString('en-GB')}
            </span>
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
