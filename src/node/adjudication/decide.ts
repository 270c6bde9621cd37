// The adjudicator's final word: for one task of some frames, one annotator's label (picked), a value
// of their own, a "no label", or the adjudication taken back — written as ONE undoable action of the
// adjudicator through the label module's history writer (HumanHistory, role 'adjudicator'), which
// writes the adjudicator's own row in `annotations` and re-materialises the resolved label (under
// 'consensus' and 'latest' an adjudicated label is in force: src/shared/annotators.ts). Undo is the
// adjudicator's own (labels.undo with their name). In one IMMEDIATE transaction: a frame that
// cannot be decided (the picked annotator has no label there) refuses the whole decision.
import type { AdjudicationChoice } from '../../shared/adjudication-contract';
import { auBit, type Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import { readOwn } from '../labels/annotations';
import { editTime, HumanHistory } from '../labels/human';
import { framesInList, type HumanRow, type LabelValues } from '../labels/rows';

export interface DecideRequest {
  mediaId: number;
  frames: number[];
  task: Task;
  choice: AdjudicationChoice;
  /** The adjudicator. */
  author: string;
  at?: number;
}

const NONE: LabelValues = { auMask: null, auBits: null, expr: null, valence: null, arousal: null };

/** The action's name, as the history and the undo button show it. */
export function decisionName(task: Task, choice: AdjudicationChoice): string {
  const t = task.toUpperCase();
  switch (choice.kind) {
    case 'pick':
      return `Adjudicate ${t}: ${choice.annotator}'s label`;
    case 'set':
      return `Adjudicate ${t}: set value`;
    case 'clear':
      return `Adjudicate ${t}: no label`;
    case 'withdraw':
      return `Withdraw adjudication of ${t}`;
  }
}

/** The value a 'set' choice writes, refused unless it gives the task's fields. */
function setValues(task: Task, c: Extract<AdjudicationChoice, { kind: 'set' }>): LabelValues {
  if (task === 'au') {
    const entries = Object.entries(c.au ?? {});
    if (!entries.length) throw new AppError('invalid-input', 'Setting an AU label needs choice.au with at least one AU (AU12: 1, …)');
    let mask = 0n;
    let bits = 0n;
    for (const [k, v] of entries) {
      let b: bigint;
      try {
        b = auBit(Number(k.slice(2)));
      } catch {
        throw new AppError('invalid-input', `Not an action unit: ${k}`);
      }
      mask |= b;
      if (v) bits |= b;
    }
    return { ...NONE, auMask: mask, auBits: bits };
  }
  if (task === 'expr') {
    if (c.expr === undefined) throw new AppError('invalid-input', 'Setting an EXPR label needs choice.expr (a class 0–6)');
    return { ...NONE, expr: c.expr };
  }
  if (c.valence === undefined || c.arousal === undefined) throw new AppError('invalid-input', 'Setting a VA label needs choice.valence and choice.arousal');
  return { ...NONE, valence: c.valence, arousal: c.arousal };
}

/** Writes the decision; the action id, or null when no frame's adjudication changed. */
export function decide(db: Db, req: DecideRequest): number | null {
  const frames = framesInList(db, req.mediaId, req.frames);
  const missing = req.frames.filter((f) => !frames.some((x) => x.idx === f));
  if (missing.length) throw new AppError('not-found', `Media ${req.mediaId} has no frame ${missing.slice(0, 5).join(', ')}`);
  const fixed = req.choice.kind === 'set' ? setValues(req.task, req.choice) : NONE;
  return db
    .transaction((): number | null => {
      const now = editTime(db);
      const row = (values: LabelValues): HumanRow => ({ ...values, provenance: 'human', modelId: null, author: req.author, updatedAt: now });
      const h = new HumanHistory(db, {
        name: decisionName(req.task, req.choice),
        mediaId: req.mediaId,
        author: req.author,
        role: 'adjudicator',
        at: now,
        atFrame: req.at ?? frames[0].idx,
      });
      for (const f of frames) {
        let next: HumanRow | null;
        if (req.choice.kind === 'withdraw') next = null;
        else if (req.choice.kind === 'pick') {
          const a = readOwn(db, f.id, req.task, req.choice.annotator, 'annotator');
          if (!a) throw new AppError('not-found', `${req.choice.annotator} has no ${req.task.toUpperCase()} label on frame ${f.idx} of media ${req.mediaId}`);
          next = row({ auMask: a.auMask, auBits: a.auBits, expr: a.expr, valence: a.valence, arousal: a.arousal });
        } else next = row(fixed);
        h.set(f.id, f.idx, req.task, next);
      }
      return h.finish();
    })
    .immediate();
}
