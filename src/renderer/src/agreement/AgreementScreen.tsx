// The Agreement view (issue 15): how well the project's annotators agree, for the project, one
// dataset or one media item. A task picker; the annotator × annotator matrix of the task (Cohen's κ,
// or Lin's CCC for valence/arousal; the ground truth and a chosen model as the last columns); the
// panel figures (Fleiss' κ, Krippendorff's α, ICC); for AUs a table per AU; and for a media item a
// strip of where along it the annotators disagree (click: review that frame). The figures are
// agreement.compute's, the same as `affect-workbench agreement`; a statistic without a value says
// "n/a" with its reason, never NaN.
import { useEffect, useMemo, useState } from 'react';
import type { Agreement, PairwiseMatrix } from '../../../shared/agreement';
import type { AgreementReport, AgreementScope, DisagreementStrip } from '../../../shared/agreement-contract';
import { call, on } from '../api';
import { navigate, routeHash, type Route } from '../router';
import { reportError, useApp } from '../store';
import './agreement.css';

export type AgreementTask = 'expr' | 'au' | 'valence' | 'arousal';
const TASK_LABELS: Record<AgreementTask, string> = { expr: 'Expression', au: 'Action units', valence: 'Valence', arousal: 'Arousal' };

/** A cell's text: the value to 3 decimals, or "n/a". */
export function cellText(a: Agreement | null): string {
  if (a === null) return '—';
  return a.ok ? a.value.toFixed(3) : 'n/a';
}

/** The reason of an n/a (the part after "n/a: "), or the support of a value. */
export function cellTitle(a: Agreement | null): string {
  if (a === null) return '';
  return a.ok ? `${a.value.toFixed(6)} over ${a.n} frames${a.excluded ? ` (${a.excluded} left out: too few raters)` : ''}` : a.message.replace(/^n\/a: /, '');
}

/** Background of a cell: red at ≤ 0 through amber to green at 1 (agreement statistics of 1 are perfect). */
function heat(a: Agreement | null): string | undefined {
  if (!a?.ok) return undefined;
  const v = Math.max(0, Math.min(1, a.value));
  return `hsl(${Math.round(v * 130)}, 62%, ${90 - v * 6}%)`;
}

function Figure({ label, a, testId }: { label: string; a: Agreement; testId: string }) {
  return (
    <div className="metric ag-figure" title={cellTitle(a)}>
      <span className="metric-label">{label}</span>
      <span className="metric-value" data-testid={testId} data-ok={a.ok}>
        {cellText(a)}
      </span>
      <span className="metric-note">{a.ok ? `n = ${a.n}` : a.message.replace(/^n\/a: /, '')}</span>
    </div>
  );
}

function Matrix({ m, raters }: { m: PairwiseMatrix; raters: number }) {
  const notes = new Map<string, number>();
  const note = (a: Agreement | null) => {
    if (!a || a.ok) return null;
    const t = a.message.replace(/^n\/a: /, '');
    if (!notes.has(t)) notes.set(t, notes.size + 1);
    return notes.get(t)!;
  };
  const rows = m.names.slice(0, raters).map((name, i) => (
    <tr key={name}>
      <th scope="row">{name}</th>
      {m.cells[i].map((c, j) => {
        const k = note(c);
        return (
          <td key={j} className={`num ag-cell${c === null ? ' diag' : ''}${j >= raters ? ' ref' : ''}`} style={{ background: heat(c) }} title={cellTitle(c)} data-testid={`ag-cell-${i}-${j}`}>
            {cellText(c)}
            {k !== null && <sup>{k}</sup>}
          </td>
        );
      })}
    </tr>
  ));
  return (
    <div className="table-scroll">
      <table className="table compact ag-matrix" data-testid="ag-matrix" data-statistic={m.statistic}>
        <thead>
          <tr>
            <th>{m.statistic === 'ccc' ? 'CCC' : 'Cohen κ'}</th>
            {m.names.map((n, j) => (
              <th key={n} className={`num${j >= raters ? ' ref' : ''}`} data-testid={`ag-col-${j}`}>
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{rows}</tbody>
      </table>
      {notes.size > 0 && (
        <ol className="ag-notes" data-testid="ag-notes">
          {[...notes.keys()].map((t) => (
            <li key={t}>n/a: {t}</li>
          ))}
        </ol>
      )}
    </div>
  );
}

function AuTable({ s, onPick, picked }: { s: AgreementScope; onPick: (au: number) => void; picked: number | null }) {
  const raters = s.annotators.au.length;
  const names = s.au.perAu[0]?.pairwise.names ?? [];
  const pairs: [number, number][] = [];
  for (let i = 0; i < raters; i++) for (let j = i + 1; j < names.length; j++) pairs.push([i, j]);
  return (
    <div className="table-scroll">
      <table className="table compact ag-au-table" data-testid="ag-au-table">
        <thead>
          <tr>
            <th>AU</th>
            <th className="num">Fleiss κ</th>
            <th className="num">α</th>
            {pairs.map(([i, j]) => (
              <th key={`${i}-${j}`} className={`num${j >= raters ? ' ref' : ''}`}>
                {names[i]}–{names[j]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {s.au.perAu.map((a) => (
            <tr key={a.au} className={picked === a.au ? 'picked' : undefined} onClick={() => onPick(a.au)} data-testid={`ag-au-row-${a.au}`}>
              <th scope="row">
                <button type="button" className="disclosure">
                  AU{a.au}
                </button>
              </th>
              {[a.fleissKappa, a.alpha, ...pairs.map(([i, j]) => a.pairwise.cells[i][j])].map((c, k) => (
                <td key={k} className="num ag-cell" style={{ background: heat(c) }} title={cellTitle(c)}>
                  {cellText(c)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A strip bucket's colour: pale green when all agree, through amber to red at half the maximum disagreement and beyond. */
function stripColour(v: number): string {
  const t = Math.min(1, 2 * v);
  return `hsl(${Math.round(130 * (1 - t))}, ${55 + 30 * t}%, ${84 - 34 * t}%)`;
}

const STRIP_ROWS: { key: 'au' | 'expr' | 'va'; label: string }[] = [
  { key: 'au', label: 'AU' },
  { key: 'expr', label: 'Expression' },
  { key: 'va', label: 'Valence / arousal' },
];

function Strip({ strip }: { strip: DisagreementStrip }) {
  const w = strip.buckets;
  const any = STRIP_ROWS.some((r) => strip[r.key].some((v) => v !== null));
  return (
    <div className="ag-strip" data-testid="ag-strip">
      {STRIP_ROWS.map((r) => {
        const at = strip[`${r.key}At`];
        return (
          <div className="ag-strip-row" key={r.key}>
            <span className="ag-strip-label">{r.label}</span>
            <svg className="ag-strip-bar" viewBox={`0 0 ${w} 1`} preserveAspectRatio="none" shapeRendering="crispEdges" data-testid={`ag-strip-${r.key}`} role="img" aria-label={`${r.label}: where annotators disagree`}>
              {strip[r.key].map((v, b) =>
                v === null ? null : (
                  <rect
                    key={b}
                    x={b}
                    y={0}
                    width={1}
                    height={1}
                    fill={stripColour(v)}
                    onClick={() => at[b] !== null && navigate({ name: 'review', mediaId: strip.mediaId, frame: at[b]! })}
                  >
                    <title>{`frame ${at[b]}: ${v === 0 ? 'all agree' : `disagreement ${v.toFixed(2)}`} (click to review)`}</title>
                  </rect>
                ),
              )}
            </svg>
          </div>
        );
      })}
      <div className="ag-strip-axis muted">
        <span>frame 0</span>
        <span>{!any ? 'no frame has two annotators’ labels yet' : 'green: all agree · amber → red: more disagreement · grey: fewer than two annotators’ labels'}</span>
        <span>frame {Math.max(0, strip.frameCount - 1)}</span>
      </div>
    </div>
  );
}

type ScopeValue = { datasetId?: number; mediaId?: number };
const scopeKey = (v: ScopeValue) => (v.mediaId !== undefined ? `m${v.mediaId}` : v.datasetId !== undefined ? `d${v.datasetId}` : 'all');

export function AgreementScreen({ route }: { route: Extract<Route, { name: 'agreement' }> }) {
  const info = useApp((s) => s.info);
  const hasProject = useApp((s) => s.project !== null);
  const [task, setTask] = useState<AgreementTask>('expr');
  const [modelId, setModelId] = useState<number | null>(null);
  const [au, setAu] = useState<number | null>(null);
  const [report, setReport] = useState<AgreementReport | null>(null);
  const [version, setVersion] = useState(0);
  const scope: ScopeValue = route.mediaId !== null ? { mediaId: route.mediaId } : route.datasetId !== undefined ? { datasetId: route.datasetId } : {};
  const key = scopeKey(scope);

  // Labels changed anywhere (another annotator, another window): read the figures again once edits pause.
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | null = null;
    const off = on('labels.changed', () => {
      if (t) clearTimeout(t);
      t = setTimeout(() => setVersion((v) => v + 1), 600);
    });
    return () => {
      off();
      if (t) clearTimeout(t);
    };
  }, []);

  useEffect(() => {
    if (!hasProject) return;
    let live = true;
    call('agreement.compute', { ...scope, ...(modelId !== null ? { modelId } : {}), breakdown: false })
      .then((r) => live && setReport(r))
      .catch((e: unknown) => {
        if (live) setReport(null);
        reportError(e);
      });
    return () => {
      live = false;
    };
    // `scope` is read through `key`
  }, [key, modelId, version, hasProject]);

  const s = report?.scopes[0] ?? null;
  const auRow = useMemo(() => (s ? (s.au.perAu.find((a) => a.au === au) ?? s.au.perAu[0] ?? null) : null), [s, au]);
  if (!hasProject) return <p className="empty">Open a project to see how its annotators agree.</p>;
  const datasets = info?.datasets ?? [];
  const models = (info?.models ?? []).filter((m) => m.status === 'ready');
  const raters = s ? s.annotators[task === 'valence' || task === 'arousal' ? 'va' : task].length : 0;
  const frames = s ? s.frames[task === 'valence' || task === 'arousal' ? 'va' : task] : 0;

  return (
    <div className="stack ag" data-testid="agreement">
      <section className="panel ag-head">
        <div className="toolbar">
          <h1 className="project-name">Agreement</h1>
          <select
            className="rv-select wide"
            aria-label="Scope"
            data-testid="ag-scope"
            value={key}
            onChange={(e) => {
              const v = e.target.value;
              if (v === 'all') navigate({ name: 'agreement', mediaId: null });
              else if (v.startsWith('d')) navigate({ name: 'agreement', mediaId: null, datasetId: Number(v.slice(1)) });
              else navigate({ name: 'agreement', mediaId: Number(v.slice(1)) });
            }}
          >
            <option value="all">Whole project</option>
            {datasets.map((d) => [
              <option key={`d${d.id}`} value={`d${d.id}`}>
                {d.name} (dataset)
              </option>,
              ...d.media.map((m) => (
                <option key={`m${m.id}`} value={`m${m.id}`}>
                  {'\u00a0\u00a0'}
                  {m.name}
                </option>
              )),
            ])}
          </select>
          <label className="rv-label" htmlFor="ag-model">
            Model
          </label>
          <select id="ag-model" className="rv-select" data-testid="ag-model" value={modelId ?? ''} onChange={(e) => setModelId(e.target.value === '' ? null : Number(e.target.value))}>
            <option value="">none</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.kind})
              </option>
            ))}
          </select>
          <div className="ag-tasks" role="tablist" aria-label="Task">
            {(Object.keys(TASK_LABELS) as AgreementTask[]).map((t) => (
              <button key={t} type="button" role="tab" aria-selected={task === t} className={`ag-task${task === t ? ' active' : ''}`} data-testid={`ag-task-${t}`} onClick={() => setTask(t)}>
                {TASK_LABELS[t]}
              </button>
            ))}
          </div>
          {route.mediaId !== null && (
            <a className="button small" href={routeHash({ name: 'review', mediaId: route.mediaId })} data-testid="ag-open-review">
              Review this media item
            </a>
          )}
        </div>
        {report && (
          <p className="panel-hint ag-who" data-testid="ag-annotators">
            {report.annotators.length
              ? `${report.annotators.length} annotator${report.annotators.length === 1 ? '' : 's'}: ${report.annotators.join(', ')} · references: ${[report.references.groundTruth, report.references.model].filter(Boolean).join(', ')}`
              : 'No annotator has labelled a frame here yet: labels written in the review screen are stored per annotator (File → Annotator name…).'}
          </p>
        )}
      </section>

      {!s ? (
        <p className="empty">{report === null ? 'Computing…' : ''}</p>
      ) : (
        <>
          <section className="panel">
            <h2 className="panel-title">
              {TASK_LABELS[task]}
              {task === 'au' && auRow ? ` · AU${auRow.au}` : ''}
              <span className="panel-count" data-testid="ag-frames">
                {frames} frames labelled by an annotator · {raters} annotator{raters === 1 ? '' : 's'}
              </span>
            </h2>
            {task === 'expr' || (task === 'au' && auRow) ? (
              <>
                <div className="probe-result ag-figures">
                  <Figure label="Fleiss κ" a={task === 'expr' ? s.expr.fleissKappa : auRow!.fleissKappa} testId="ag-fleiss" />
                  <Figure label="Krippendorff α (nominal)" a={task === 'expr' ? s.expr.alpha : auRow!.alpha} testId="ag-alpha" />
                </div>
                <Matrix m={task === 'expr' ? s.expr.pairwise : auRow!.pairwise} raters={raters} />
              </>
            ) : task === 'au' ? (
              <p className="empty">No AU labels by annotators here.</p>
            ) : (
              <>
                <div className="probe-result ag-figures">
                  <Figure label="Krippendorff α (interval)" a={s.va[task].alpha} testId="ag-alpha" />
                  <Figure label="ICC(2,1) absolute" a={s.va[task].icc21} testId="ag-icc21" />
                  <Figure label="ICC(3,1) consistency" a={s.va[task].icc31} testId="ag-icc31" />
                </div>
                <Matrix m={s.va[task].pairwise} raters={raters} />
              </>
            )}
          </section>
          {task === 'au' && s.au.perAu.length > 0 && (
            <section className="panel">
              <h2 className="panel-title">
                Per action unit <span className="panel-count">click a row for its matrix</span>
              </h2>
              <AuTable s={s} picked={auRow?.au ?? null} onPick={setAu} />
            </section>
          )}
          {report?.strip && (
            <section className="panel">
              <h2 className="panel-title">
                Where the annotators disagree <span className="panel-count">{s.name}</span>
              </h2>
              <Strip strip={report.strip} />
            </section>
          )}
        </>
      )}
    </div>
  );
}
