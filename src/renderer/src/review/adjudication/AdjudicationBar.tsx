// The adjudicator's queue bar (a row under the review toolbar in adjudicator mode): which task and
// scope (this media item or its dataset), the counts (open here / in scope, ties, adjudicated), the
// thresholds in force — shown, editable, refused with the backend's reason — and previous / next.
// Its keys take precedence in adjudicator mode: Q / Shift+Q walk the disagreements, 1–9 pick that
// annotator's label for the frame's first open task, and the annotator's label keys are held back
// (the adjudicator decides in the panel, so a stray key never writes their own annotator layer).
import { useEffect, useState } from 'react';
import type { AdjudicationThresholds } from '../../../../shared/adjudication';
import { ADJUDICATION_TASKS, type AdjudicationTask } from '../../../../shared/adjudication-contract';
import type { ReviewController } from '../controller';
import { SHORTCUTS } from '../shortcuts';
import { focusTask } from './AdjudicationPanel';
import { setRole, useAdjudication, useRole, type AdjudicationModel, type Role, type Scope } from './model';
import './adjudication.css';

const TASK_NAMES: Record<AdjudicationTask, string> = { any: 'any task', au: 'AU', expr: 'EXPR', va: 'VA' };

function isTyping(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

/** The annotator's label-writing keys (undo / redo stay: they are the adjudicator's own too). */
const LABEL_KEYS = SHORTCUTS.filter((s) => s.group === 'Labels' && !s.keys.startsWith('Ctrl'));

/** The adjudicator mode's keys, ahead of the review screen's table (capture phase). */
function useAdjudicatorKeys(c: ReviewController, m: AdjudicationModel): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      let handled = true;
      if (e.key.toLowerCase() === 'q') void m.walk(e.shiftKey ? 'previous' : 'next');
      else if (!e.shiftKey && /^Digit[1-9]$/.test(e.code)) {
        const tasks = m.snapshot.view?.frame === c.snapshot.frame ? m.snapshot.view.tasks : [];
        const t = focusTask(tasks);
        const who = t?.annotations.filter((a) => a.role === 'annotator')[Number(e.code.slice(5)) - 1];
        if (t && who) void m.decide(t.task, { kind: 'pick', annotator: who.annotator });
        else c.toast('No annotator with that number on this frame', 'warn');
      } else if (LABEL_KEYS.some((s) => s.match(e))) c.toast('Adjudicating: pick or set the final label in the panel (switch to Annotate to edit your own labels)', 'warn');
      else handled = false;
      if (handled) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [c, m]);
}

function Thresholds({ m, onClose }: { m: AdjudicationModel; onClose: () => void }) {
  const now = useAdjudication(m, (s) => s.thresholds);
  const error = useAdjudication(m, (s) => s.thresholdError);
  const [draft, setDraft] = useState<Record<keyof AdjudicationThresholds, string>>({ au: String(now.au), expr: String(now.expr), va: String(now.va) });
  const field = (k: keyof AdjudicationThresholds, label: string, title: string) => (
    <label className="adj-thr" title={title}>
      {label}
      <input className="rv-limit-input" data-testid={`adj-thr-${k}`} inputMode="decimal" value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </label>
  );
  return (
    <div className="adj-thresholds" data-testid="adj-thresholds" role="dialog" aria-label="Adjudication thresholds">
      {field('au', 'AU >', 'Share of annotator pairs that differ on one AU (0: any difference)')}
      {field('expr', 'EXPR >', 'Share of annotator pairs with different classes (0: any difference)')}
      {field('va', 'VA >', 'Spread (max − min) of valence or arousal among the annotators, on the −1…1 scale')}
      <button
        className="button small"
        data-testid="adj-thr-apply"
        onClick={() =>
          void m.setThresholds({ au: Number(draft.au), expr: Number(draft.expr), va: Number(draft.va) }).then((ok) => {
            if (ok) onClose();
          })
        }
      >
        Apply
      </button>
      <span className="rv-muted">Ties under the policy are queued whatever the thresholds.</span>
      {error && (
        <span className="adj-error" data-testid="adj-thr-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function AdjudicationBar({ c, m }: { c: ReviewController; m: AdjudicationModel }) {
  useAdjudicatorKeys(c, m);
  const task = useAdjudication(m, (s) => s.task);
  const scope = useAdjudication(m, (s) => s.scope);
  const thr = useAdjudication(m, (s) => s.thresholds);
  const counts = useAdjudication(m, (s) => s.counts);
  const here = useAdjudication(m, (s) => s.openHere);
  const inScope = useAdjudication(m, (s) => s.openInScope);
  const [editing, setEditing] = useState(false);
  return (
    <div className="rv-bar-top adj-bar" data-testid="adjudication-bar">
      <div className="rv-group">
        <label className="rv-label">Adjudicate</label>
        <select className="rv-select" data-testid="adj-task" aria-label="Task" value={task} onChange={(e) => m.setTask(e.target.value as AdjudicationTask)}>
          {ADJUDICATION_TASKS.map((t) => (
            <option key={t} value={t}>
              {TASK_NAMES[t]}
            </option>
          ))}
        </select>
        <select className="rv-select" data-testid="adj-scope" aria-label="Scope" value={scope} onChange={(e) => m.setScope(e.target.value as Scope)}>
          <option value="media">this media item</option>
          <option value="dataset">the dataset</option>
        </select>
        <button className="rv-btn light" title="Previous disagreement (Shift+Q)" data-testid="adj-previous" onClick={() => void m.walk('previous')}>
          ◀
        </button>
        <button className="rv-btn light" title="Next disagreement (Q)" data-testid="adj-next" onClick={() => void m.walk('next')}>
          ▶
        </button>
        <span className="rv-left" data-testid="adj-open-here" data-open={here ?? ''} title="Frames to adjudicate in this media item (task filter applied)">
          {here === null ? '…' : `${here} open here`}
        </span>
        {scope === 'dataset' && (
          <span className="rv-queue-dataset" data-testid="adj-open-scope" data-open={inScope ?? ''}>
            {inScope === null ? '' : `${inScope} in dataset`}
          </span>
        )}
        {counts && (
          <span className="rv-muted" data-testid="adj-counts" title="In the scope, all tasks: frames open, of them ties under the policy, and frames adjudicated">
            {counts.open.any} open · {counts.ties.any} ties · {counts.adjudicated.any} adjudicated
          </span>
        )}
      </div>
      <div className="rv-group rv-right">
        <button className={`rv-btn light${editing ? ' on' : ''}`} data-testid="adj-thresholds-button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          <span data-testid="adj-thresholds-shown">
            AU &gt; {thr.au} · EXPR &gt; {thr.expr} · VA &gt; {thr.va}
          </span>
        </button>
        {editing && <Thresholds m={m} onClose={() => setEditing(false)} />}
      </div>
    </div>
  );
}

/** The review toolbar's switch between annotating (one's own labels) and adjudicating. */
export function RoleSwitch() {
  const role = useRole();
  const next: Role = role === 'adjudicator' ? 'annotator' : 'adjudicator';
  return (
    <button
      className={`rv-btn light${role === 'adjudicator' ? ' on' : ''}`}
      data-testid="role-toggle"
      data-role={role}
      title={role === 'adjudicator' ? 'Back to annotating your own labels' : 'Adjudicate: walk the frames where annotators disagree and give the final label'}
      onClick={() => setRole(next)}
    >
      {role === 'adjudicator' ? 'Annotate' : 'Adjudicate'}
    </button>
  );
}
