// What the work queues count, where the queue is chosen: per task the rule of "uncertain" and
// "disagrees" in words with the numbers in force (the shown model's tuned AU thresholds included),
// and the limits to change (remembered; Defaults restores them). The words and numbers come from
// the shared criteria (explainCriteria), the same module the backend counts with.
import { useEffect, useRef, useState } from 'react';
import { AU_NAMES } from '../../../shared/labels';
import { CRITERIA_TASKS, DEFAULT_CRITERIA, explainCriteria, thresholdsOrDefault, type CriteriaTask, type ReviewCriteria } from '../../../shared/review-criteria';
import { useReview, type ReviewController } from './controller';

const TASK_TITLES: Record<CriteriaTask, string> = { au: 'AU', expr: 'Expression', va: 'Valence / arousal' };
const KIND_TITLES = { disagree: 'Model disagrees', uncertain: 'Model uncertain' } as const;

function Limit({ kind, task, value, onChange }: { kind: 'disagree' | 'uncertain'; task: CriteriaTask; value: number; onChange(v: number): void }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const commit = (t: string) => {
    const v = Number(t);
    if (t.trim() !== '' && Number.isFinite(v) && v >= 0 && v <= 1) onChange(v);
    else setText(String(value));
  };
  return (
    <input
      className="rv-limit-input"
      type="number"
      min={0}
      max={1}
      step={0.05}
      data-testid={`limit-${kind}-${task}`}
      aria-label={`${KIND_TITLES[kind]}: limit for ${TASK_TITLES[task]} (0 to 1)`}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        // arrows and typed values apply at once when they are a limit
        const v = Number(e.target.value);
        if (e.target.value.trim() !== '' && Number.isFinite(v) && v >= 0 && v <= 1) onChange(v);
      }}
      onBlur={(e) => commit(e.target.value)}
      onKeyDown={(e) => {
        e.stopPropagation(); // digits and arrows edit the number, not the labels
        if (e.key === 'Enter') commit((e.target as HTMLInputElement).value);
      }}
    />
  );
}

export function QueueLimits({ c, onClose }: { c: ReviewController; onClose(): void }) {
  const criteria = useReview(c, (s) => s.criteria);
  const work = useReview(c, (s) => s.work);
  const modelId = useReview(c, (s) => s.modelId);
  const model = c.snapshot.media.models.find((m) => m.id === modelId) ?? null;
  const thr = thresholdsOrDefault(model?.thresholds);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const away = (e: MouseEvent) => {
      const t = e.target as Element | null;
      if (ref.current && t && !ref.current.contains(t) && !t.closest('[data-testid="work-limits"]')) onClose();
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [onClose]);
  const set = (kind: 'disagree' | 'uncertain', task: CriteriaTask, v: number) => {
    const next: ReviewCriteria = { ...criteria, [kind]: { ...criteria[kind], [task]: v } };
    c.setCriteria(next);
  };
  const kinds = work.kind === 'uncertain' ? (['uncertain', 'disagree'] as const) : (['disagree', 'uncertain'] as const);
  return (
    <div className="rv-limits" ref={ref} role="dialog" aria-label="Work queue limits" data-testid="limits-panel" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <p className="rv-limits-intro">
        Each task gets a score from 0 to 1; a frame is in the queue when its score is above 0 and at least the limit.{' '}
        {model ? (
          <>
            AU thresholds are those of <b>{model.name}</b>{model.thresholds ? ' (tuned on validation)' : ' (0.5 each)'}.
          </>
        ) : (
          'No model is shown: only the unlabelled queue has frames.'
        )}{' '}
        A label a human corrected, accepted or kept (<kbd>K</kbd>) has been reviewed and leaves these queues.
      </p>
      {kinds.map((kind) => {
        const text = explainCriteria(kind, criteria, thr, AU_NAMES);
        return (
          <section key={kind} className={`rv-limits-kind${kind === work.kind ? ' current' : ''}`} data-testid={`limits-${kind}`}>
            <h3>{KIND_TITLES[kind]}</h3>
            {CRITERIA_TASKS.map((task) => (
              <div key={task} className="rv-limits-row">
                <label className="rv-limits-task">{TASK_TITLES[task]}</label>
                <Limit kind={kind} task={task} value={criteria[kind][task]} onChange={(v) => set(kind, task, v)} />
                <span className="rv-limits-text" data-testid={`limits-text-${kind}-${task}`}>
                  {text[task]}
                  {task === 'au' && (
                    <span className="rv-limits-aus">
                      {text.perAu.map((line) => (
                        <span key={line}>{line}</span>
                      ))}
                    </span>
                  )}
                </span>
              </div>
            ))}
          </section>
        );
      })}
      <p className="rv-limits-intro">
        <b>Unlabelled</b>: the task has no label in force (none imported, or cleared by a human).
      </p>
      <div className="rv-limits-actions">
        <button className="rv-btn light" data-testid="limits-defaults" onClick={() => c.setCriteria(DEFAULT_CRITERIA)}>
          Defaults
        </button>
        <button className="rv-btn light" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
