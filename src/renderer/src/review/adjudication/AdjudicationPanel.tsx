// The adjudicator's panel (in place of the correction panel in adjudicator mode): for the frame on
// screen, each task's annotators side by side with their labels, the label in force under the
// project's policy, why the frame is queued, the adjudication's provenance ("adjudicated by X, from
// Y"), and the decisions: pick one annotator's label (buttons, or keys 1–9 for the first open
// task), set a value of one's own, "no label", or withdraw the adjudication. Then the queue's list.
import { useEffect, useState } from 'react';
import type { AnnotationView, FrameTaskView, TaskValue } from '../../../../shared/adjudication-contract';
import { EXPRESSIONS, type Task } from '../../../../shared/labels';
import { Circumplex } from '../Circumplex';
import { useReview, type ReviewController } from '../controller';
import { useAdjudication, type AdjudicationModel } from './model';

const MERGED: Record<string, string> = {
  single: 'the one annotator',
  adjudicated: 'adjudicated',
  majority: 'majority vote',
  mean: 'mean',
  latest: 'latest annotator',
  annotator: 'chosen annotator',
};

/** One task's label as one short line. */
export function valueText(task: Task, v: TaskValue | null): string {
  if (!v) return '–';
  if (task === 'au') {
    if (!v.au) return 'no label';
    const aus = Object.entries(v.au).sort(([a], [b]) => Number(a.slice(2)) - Number(b.slice(2)));
    return aus.map(([k, on]) => `${k}${on ? '+' : '−'}`).join(' ') || 'no label';
  }
  if (task === 'expr') return v.expr === null ? 'no label' : EXPRESSIONS[v.expr];
  return v.valence === null || v.arousal === null ? 'no label' : `V ${v.valence.toFixed(2)} · A ${v.arousal.toFixed(2)}`;
}

/** The first queued task of the frame, else its first task: what keys 1–9 pick for. */
export function focusTask(tasks: readonly FrameTaskView[]): FrameTaskView | null {
  return tasks.find((t) => t.verdict.status === 'open') ?? tasks[0] ?? null;
}

function why(t: FrameTaskView): string {
  const v = t.verdict;
  if (v.status === 'adjudicated') return 'adjudicated';
  if (v.status === 'agree') return v.annotators < 2 ? 'one annotator' : 'agree';
  const parts: string[] = [];
  if (v.tie) parts.push('tie');
  if (v.disagree) {
    if (t.task === 'au') parts.push(`differ on ${v.aus.map((n) => `AU${n}`).join(', ')}`);
    else if (t.task === 'expr') parts.push(`${Math.round(v.score * 100)}% of pairs differ`);
    else parts.push(`spread V ${(v.valenceSpread ?? 0).toFixed(2)} · A ${(v.arousalSpread ?? 0).toFixed(2)}`);
  }
  return `open: ${parts.join(', ')}`;
}

function Resolved({ t }: { t: FrameTaskView }) {
  const r = t.resolved;
  let text: string;
  if (r.outcome === 'label') text = `${valueText(t.task, r.value)} (${MERGED[r.mergedFrom ?? ''] ?? r.mergedFrom}${r.author ? `: ${r.author}` : ''})`;
  else text = `${r.outcome === 'tie' ? 'no consensus (tie)' : 'no annotator label'} → ${t.imported ? `imported ${valueText(t.task, t.imported)}` : 'unlabelled'}`;
  return (
    <div className="adj-resolved" data-testid={`adj-resolved-${t.task}`} data-outcome={r.outcome} data-merged-from={r.mergedFrom ?? ''}>
      <span className="rv-muted">In force:</span> {text}
    </div>
  );
}

function Row({ t, a, k, m, busy }: { t: FrameTaskView; a: AnnotationView; k: number; m: AdjudicationModel; busy: boolean }) {
  const adj = a.role === 'adjudicator';
  const differ = t.task === 'au' && a.value.au ? new Set(t.verdict.aus.map((n) => `AU${n}`)) : null;
  return (
    <li className={`adj-row${adj ? ' adjudicator' : ''}`} data-testid={`adj-row-${t.task}-${a.annotator}${adj ? '-adjudicator' : ''}`}>
      <span className="adj-who">
        {!adj && k < 9 && <kbd>{k + 1}</kbd>} {a.annotator}
        {adj && <span className="rv-muted"> (adjudicator)</span>}
      </span>
      <span className="adj-val" data-testid={`adj-value-${t.task}-${a.annotator}${adj ? '-adjudicator' : ''}`}>
        {differ && a.value.au
          ? Object.entries(a.value.au).map(([au, on]) => (
              <span key={au} className={differ.has(au) ? 'adj-differs' : ''}>
                {au}
                {on ? '+' : '−'}{' '}
              </span>
            ))
          : valueText(t.task, a.value)}
        {a.provenance !== 'human' && <span className="rv-muted"> · {a.provenance}</span>}
      </span>
      {!adj && (
        <button
          className="button small"
          data-testid={`adj-pick-${t.task}-${a.annotator}`}
          disabled={busy}
          title={`Make ${a.annotator}'s label the final word${k < 9 ? ` (${k + 1})` : ''}`}
          onClick={() => void m.decide(t.task, { kind: 'pick', annotator: a.annotator })}
        >
          Pick
        </button>
      )}
    </li>
  );
}

/** A value of the adjudicator's own for the task. */
function SetValue({ t, m, busy }: { t: FrameTaskView; m: AdjudicationModel; busy: boolean }) {
  const first = t.annotations.find((a) => a.role === 'annotator')?.value ?? null;
  const [expr, setExpr] = useState<number>(first?.expr ?? 0);
  const [aus, setAus] = useState<Record<string, 0 | 1>>({});
  useEffect(() => {
    // the AUs any annotator decided, starting from the label in force (else the first annotator's)
    const out: Record<string, 0 | 1> = {};
    for (const a of t.annotations) for (const k of Object.keys(a.value.au ?? {})) out[k] = 0;
    Object.assign(out, t.resolved.value?.au ?? first?.au ?? {});
    setAus(out);
    setExpr(t.resolved.value?.expr ?? first?.expr ?? 0);
    // re-seeded per frame view only
  }, [t]);
  if (t.task === 'expr')
    return (
      <div className="adj-set">
        <select className="rv-select" data-testid="adj-set-expr" aria-label="Expression" value={expr} onChange={(e) => setExpr(Number(e.target.value))}>
          {EXPRESSIONS.map((n, i) => (
            <option key={n} value={i}>
              {n}
            </option>
          ))}
        </select>
        <button className="button small" data-testid="adj-set-expr-apply" disabled={busy} onClick={() => void m.decide('expr', { kind: 'set', expr })}>
          Set
        </button>
      </div>
    );
  if (t.task === 'au')
    return (
      <div className="adj-set">
        {Object.keys(aus)
          .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)))
          .map((k) => (
            <label key={k} className="adj-au">
              <input type="checkbox" data-testid={`adj-set-${k}`} checked={aus[k] === 1} onChange={(e) => setAus({ ...aus, [k]: e.target.checked ? 1 : 0 })} />
              {k}
            </label>
          ))}
        <button className="button small" data-testid="adj-set-au-apply" disabled={busy || !Object.keys(aus).length} onClick={() => void m.decide('au', { kind: 'set', au: aus })}>
          Set
        </button>
      </div>
    );
  const r = t.resolved.value;
  const label = r && r.valence !== null && r.arousal !== null ? { v: r.valence, a: r.arousal, p: 'human' } : null;
  return (
    <div className="adj-set">
      <Circumplex size={112} label={label} model={null} testId="adj-set-va" onSet={(valence, arousal) => void m.decide('va', { kind: 'set', valence, arousal })} />
      <span className="rv-muted">drag to set</span>
    </div>
  );
}

function TaskCard({ t, m, busy, focus }: { t: FrameTaskView; m: AdjudicationModel; busy: boolean; focus: boolean }) {
  const adj = t.adjudication;
  let k = 0;
  return (
    <section className={`adj-task${focus ? ' focus' : ''}`} data-testid={`adj-task-${t.task}`} data-status={t.verdict.status}>
      <h3 className="rv-h">
        {t.task.toUpperCase()} <span className={`adj-why ${t.verdict.status}`}>{why(t)}</span>
      </h3>
      <ul className="adj-rows">
        {t.annotations.map((a) => (
          <Row key={`${a.role}:${a.annotator}`} t={t} a={a} k={a.role === 'annotator' ? k++ : -1} m={m} busy={busy} />
        ))}
      </ul>
      <Resolved t={t} />
      {adj && (
        <div className="adj-prov" data-testid={`adj-provenance-${t.task}`}>
          Adjudicated by <b>{adj.by}</b>
          {adj.from.length ? (
            <>
              , from <b>{adj.from.join(', ')}</b>
            </>
          ) : (
            ', a value of their own'
          )}{' '}
          <span className="rv-muted">· {new Date(adj.at).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })}</span>{' '}
          <button className="rv-link" data-testid={`adj-withdraw-${t.task}`} disabled={busy} onClick={() => void m.decide(t.task, { kind: 'withdraw' })}>
            withdraw
          </button>
        </div>
      )}
      <SetValue t={t} m={m} busy={busy} />
      <button className="rv-link" data-testid={`adj-clear-${t.task}`} disabled={busy} onClick={() => void m.decide(t.task, { kind: 'clear' })}>
        final word: no label
      </button>
    </section>
  );
}

export function AdjudicationPanel({ c, m }: { c: ReviewController; m: AdjudicationModel }) {
  const frame = useReview(c, (s) => s.frame);
  const selection = useReview(c, (s) => s.selection);
  const view = useAdjudication(m, (s) => s.view);
  const busy = useAdjudication(m, (s) => s.busy);
  const items = useAdjudication(m, (s) => s.items);
  const policy = useAdjudication(m, (s) => s.policy);
  const mediaId = c.snapshot.media.id;
  const tasks = view && view.frame === frame ? view.tasks : null;
  const focus = tasks ? focusTask(tasks) : null;
  return (
    <aside className="rv-panel adj-panel" data-testid="adjudication-panel" data-frame={view?.frame ?? ''}>
      <div className="rv-panel-head">
        <span className="rv-panel-scope">
          {selection ? `Frames ${selection.from}–${selection.to}` : `Frame ${frame}`} <span className="rv-muted">· adjudicating</span>
        </span>
        <span className="rv-muted" data-testid="adj-policy" title="The project's merge policy (project screen → Annotators)">
          policy {policy ?? '…'}
        </span>
      </div>
      {tasks === null ? (
        <p className="rv-muted">Loading…</p>
      ) : tasks.length === 0 ? (
        <p className="rv-muted" data-testid="adj-none">
          No annotator has labelled this frame.
        </p>
      ) : (
        tasks.map((t) => <TaskCard key={t.task} t={t} m={m} busy={busy} focus={t === focus && tasks.length > 1} />)
      )}
      <h3 className="rv-h">
        Queue <span className="rv-keyhint">Q / Shift+Q · 1–9 pick</span>
      </h3>
      <ol className="adj-list" data-testid="adj-list">
        {items.map((it) => (
          <li key={`${it.mediaId}:${it.frame}`} className={it.mediaId === mediaId && it.frame === frame ? 'current' : ''}>
            <button className="rv-link" data-testid={`adj-item-${it.mediaId}-${it.frame}`} onClick={() => m.goto(it)}>
              {it.mediaId === mediaId ? '' : `media ${it.mediaId} · `}frame {it.frame}
            </button>{' '}
            <span className="rv-muted">{it.tasks.map((x) => `${x.task.toUpperCase()} ${x.reason}`).join(', ')}</span>
          </li>
        ))}
        {!items.length && <li className="rv-muted">Nothing to adjudicate.</li>}
      </ol>
    </aside>
  );
}
