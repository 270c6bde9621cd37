// Label edits as named actions (DESIGN.md §6.8): one edit covers a frame, a list of frames or a range,
// writes the acting annotator's layer (or frames.face) in ONE transaction through the label module's
// history writer (src/node/labels/human.ts: an `actions` row, a before/after history entry per changed
// (frame, task), the annotator's row in `annotations` and the resolved human row re-materialised,
// their redo stack superseded). An annotator's layer lies over the imported ground truth: a change
// starts from their own row where they have one, else from the imported label (issue 15), never
// from another annotator's row; 'keep' copies the label in force (what the annotator sees). Frames whose value would not change get no
// history, and an edit that changes nothing records no action (so it never sits on the undo stack). The review handlers run it through writeRetrying
// (src/node/labels/labels.ts): an edit that meets a busy database waits for the lock, never fails halfway.
import { auBit, MODEL_AUS, TASKS, type Task } from '../../shared/labels';
import { softLabelProbabilities } from '../../shared/softlabels';
import type { ActionSummary, EditChange } from '../../shared/review-contract';
import { argmax, thresholdsOrDefault } from '../../shared/review-criteria';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import { getModel } from '../store/models';
import { getSoftLabels } from '../store/softlabels';
import { ownOf, readLayerRows } from '../labels/annotations';
import { editTime, HumanHistory } from '../labels/human';
import { MODEL_AU_MASK } from '../labels/layers';
import { effective, framesInList, framesInRange, readLayers, type FrameRef, type HumanRow, type LabelValues, type TaskLayers } from '../labels/rows';
import { actionSummary } from './undo';

export interface EditRequest {
  mediaId: number;
  name: string;
  from?: number;
  to?: number;
  frames?: number[];
  at?: number;
  author: string;
  change: EditChange;
}

export interface EditOutcome {
  action: ActionSummary | null;
  from: number;
  to: number;
  tasks: Task[];
}

function parseAuValues(values: Record<string, 0 | 1 | null>): [bigint, 0 | 1 | null][] {
  return Object.entries(values).map(([k, v]) => {
    const n = Number(k.slice(2));
    try {
      return [auBit(n), v];
    } catch {
      throw new AppError('invalid-input', `Not an action unit: ${k}`);
    }
  });
}

function human(base: Partial<LabelValues>, author: string, now: string, provenance: HumanRow['provenance'] = 'human', modelId: number | null = null): HumanRow {
  return { auMask: null, auBits: null, expr: null, valence: null, arousal: null, ...base, provenance, modelId, author, updatedAt: now };
}

/**
 * Model decisions per frame id (accept-model, and the model's column in the agreement figures):
 * AU over the model's thresholds, EXPR argmax, VA expectation. Frames without soft labels are absent.
 */
export function modelDecisions(db: Db, modelId: number, frames: readonly Pick<FrameRef, 'id'>[]) {
  const model = getModel(db, modelId);
  if (!model) throw new AppError('not-found', `No model with id ${modelId}`);
  const thr = thresholdsOrDefault(model.thresholds);
  const recs = getSoftLabels(db, modelId, frames.map((f) => f.id));
  const out = new Map<number, { bits: bigint; expr: number; v: number; a: number }>();
  for (const [fid, rec] of recs) {
    const p = softLabelProbabilities(rec);
    let bits = 0n;
    MODEL_AUS.forEach((n, k) => {
      if (p.au[k] >= thr[k]) bits |= auBit(n);
    });
    out.set(fid, { bits, expr: argmax(p.expr), v: p.valence, a: p.arousal });
  }
  return out;
}

/**
 * The annotator's new row of one frame's task under a change; `undefined` = the change does not
 * touch this task. `own`: the annotator's row now; `layers`: the imported and the resolved rows.
 */
function nextHuman(
  change: EditChange,
  task: Task,
  own: HumanRow | null,
  layers: TaskLayers | undefined,
  author: string,
  now: string,
  model: { id: number; d: { bits: bigint; expr: number; v: number; a: number } | undefined } | null,
): HumanRow | null | undefined {
  // the annotator's own layer over the imported ground truth
  const cur = effective({ human: own, imported: layers?.imported ?? null });
  switch (change.kind) {
    case 'au': {
      if (task !== 'au') return undefined;
      let mask = cur?.auMask ?? 0n;
      let bits = cur?.auBits ?? 0n;
      for (const [b, v] of parseAuValues(change.values)) {
        if (v === null) {
          mask &= ~b;
          bits &= ~b;
        } else {
          mask |= b;
          bits = v ? bits | b : bits & ~b;
        }
      }
      return mask === 0n ? human({}, author, now) : human({ auMask: mask, auBits: bits }, author, now);
    }
    case 'expr':
      return task === 'expr' ? human({ expr: change.value }, author, now) : undefined;
    case 'va':
      return task === 'va' ? human({ valence: change.valence, arousal: change.arousal }, author, now) : undefined;
    case 'clear':
      return change.tasks.includes(task) ? human({}, author, now) : undefined;
    case 'revert':
      return change.tasks.includes(task) ? null : undefined;
    case 'accept-model': {
      if (!change.tasks.includes(task) || !model?.d) return undefined;
      const d = model.d;
      const clamp = (x: number) => Math.max(-1, Math.min(1, x));
      if (task === 'expr') return human({ expr: d.expr }, author, now, 'accepted', model.id);
      if (task === 'va') return human({ valence: clamp(d.v), arousal: clamp(d.a) }, author, now, 'accepted', model.id);
      // AUs the model does not predict keep the value in force.
      const mask = (cur?.auMask ?? 0n) | MODEL_AU_MASK;
      const bits = ((cur?.auBits ?? 0n) & ~MODEL_AU_MASK) | d.bits;
      return human({ auMask: mask, auBits: bits }, author, now, 'accepted', model.id);
    }
    case 'keep': {
      // the annotator's row is a decision already; the label in force (resolved, else imported) becomes one, unchanged
      const shown = effective(layers);
      if (!change.tasks.includes(task) || own || !shown || (shown.auMask === null && shown.expr === null && shown.valence === null)) return undefined;
      return human({ auMask: shown.auMask, auBits: shown.auBits, expr: shown.expr, valence: shown.valence, arousal: shown.arousal }, author, now);
    }
    case 'face':
      return undefined;
  }
}

/** The label tasks a change writes (none for face marks). */
export function tasksOf(change: EditChange): Task[] {
  switch (change.kind) {
    case 'au':
    case 'expr':
    case 'va':
      return [change.kind];
    case 'face':
      return [];
    default:
      return TASKS.filter((t) => change.tasks.includes(t));
  }
}

export function applyEdit(db: Db, req: EditRequest, defaultModelId: () => number | null): EditOutcome {
  // a media item of a dataset still being imported (staging) is not there yet
  const media = db.prepare(`SELECT m.id FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE m.id = ? AND d.state = 'ready'`).get(req.mediaId);
  if (!media) throw new AppError('not-found', `No media item with id ${req.mediaId}`);
  const contiguous = req.frames === undefined;
  const frames = contiguous ? framesInRange(db, req.mediaId, req.from!, req.to!) : framesInList(db, req.mediaId, req.frames!);
  if (!frames.length) throw new AppError('not-found', `Media ${req.mediaId} has no frames there`);
  const change = req.change;
  const tasks = tasksOf(change);
  let model: number | null = null;
  let decisions: ReturnType<typeof modelDecisions> | null = null;
  if (change.kind === 'accept-model') {
    model = change.modelId ?? defaultModelId();
    if (model === null) throw new AppError('not-found', 'No model with soft labels to accept labels from');
    decisions = modelDecisions(db, model, frames);
  }
  const from = frames[0].idx;
  const to = frames[frames.length - 1].idx;
  const run = db.transaction((): number | null => {
    const now = editTime(db);
    const h = new HumanHistory(db, { name: req.name, mediaId: req.mediaId, author: req.author, at: now, atFrame: req.at ?? from });
    if (change.kind === 'face') {
      for (const f of frames) h.face(f.id, f.idx, f.face, change.value);
    } else {
      const layers = readLayers(db, req.mediaId, frames, contiguous);
      // every annotator's rows, read once: the writer re-materialises each (frame, task) from them
      const stored = readLayerRows(db, req.mediaId, frames, contiguous);
      for (const f of frames) {
        const fl = layers.get(f.id);
        const sf = stored.get(f.id);
        for (const task of tasks) {
          const t = fl?.get(task);
          const rows = sf?.get(task) ?? [];
          const own = ownOf(rows, req.author, h.role);
          const next = nextHuman(change, task, own, t, req.author, now, model === null ? null : { id: model, d: decisions!.get(f.id) });
          if (next !== undefined) h.set(f.id, f.idx, task, next, own, rows);
        }
      }
    }
    return h.finish();
  });
  // IMMEDIATE: the write lock first, so the reads above never meet SQLITE_BUSY on the way to writing
  const actionId = run.immediate();
  return { action: actionId === null ? null : actionSummary(db, actionId), from, to, tasks };
}
