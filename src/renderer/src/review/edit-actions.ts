// The named correction actions of the review screen: what a key press or a click means as a
// `labels.edit` request. Pure functions of the frame's data in the overlay; the name is what the
// history and the undo toast show.
import { AU_NAMES, EXPRESSIONS, type Task } from '../../../shared/labels';
import type { EditChange, FaceState, WindowFrame } from '../../../shared/review-contract';

export interface NamedEdit {
  name: string;
  change: EditChange;
}

export interface Scope {
  /** The frame the annotator is on. */
  frame: number;
  /** A selected range, when there is one: the edit covers it instead of the frame. */
  selection: { from: number; to: number } | null;
}

/** The `labels.edit` frame arguments and a suffix naming the frames. */
export function scopeArgs(s: Scope): { args: { from: number; to: number } | { frames: number[] }; label: string } {
  if (s.selection && s.selection.to > s.selection.from)
    return { args: { from: s.selection.from, to: s.selection.to }, label: `frames ${s.selection.from}–${s.selection.to}` };
  return { args: { frames: [s.frame] }, label: `frame ${s.frame}` };
}

const TASK_NAMES: Record<Task, string> = { au: 'AUs', expr: 'expression', va: 'valence/arousal' };
const taskList = (tasks: Task[]) => tasks.map((t) => TASK_NAMES[t]).join(', ');

/** Toggles model AU k: an active AU becomes inactive, an inactive or unlabelled one active. */
export function toggleAu(k: number, data: WindowFrame | undefined): NamedEdit {
  const cur = data?.au?.v?.[k] ?? -1;
  const value = cur === 1 ? 0 : 1;
  return setAu(k, value);
}

export function setAu(k: number, value: 0 | 1 | null): NamedEdit {
  const name = AU_NAMES[k];
  const what = value === null ? 'unlabelled' : value ? 'present' : 'absent';
  return { name: `${name} ${what}`, change: { kind: 'au', values: { [name]: value } } };
}

export function setExpr(c: number): NamedEdit {
  return { name: `Expression: ${EXPRESSIONS[c]}`, change: { kind: 'expr', value: c } };
}

const clampVa = (x: number) => Math.max(-1, Math.min(1, Math.round(x * 100) / 100));

export function setVa(valence: number, arousal: number): NamedEdit {
  const v = clampVa(valence);
  const a = clampVa(arousal);
  return { name: `Valence ${v.toFixed(2)}, arousal ${a.toFixed(2)}`, change: { kind: 'va', valence: v, arousal: a } };
}

/** Moves the VA label by (dv, da), starting from the label in force, else the model's point, else the origin. */
export function nudgeVa(dv: number, da: number, data: WindowFrame | undefined): NamedEdit {
  const v0 = data?.va?.v ?? data?.m?.v ?? 0;
  const a0 = data?.va?.a ?? data?.m?.a ?? 0;
  return setVa(v0 + dv, a0 + da);
}

export function acceptModel(tasks: Task[], modelId: number | null): NamedEdit {
  return { name: `Accept model ${taskList(tasks)}`, change: { kind: 'accept-model', tasks, ...(modelId !== null ? { modelId } : {}) } };
}

/** Keeps the labels in force as a human decision: the model's doubt or disagreement is dealt with (it leaves the work queues). */
export function keepLabels(tasks: Task[]): NamedEdit {
  return { name: `Keep ${taskList(tasks)}`, change: { kind: 'keep', tasks } };
}

export function clearLabels(tasks: Task[]): NamedEdit {
  return { name: `Clear ${taskList(tasks)}`, change: { kind: 'clear', tasks } };
}

export function revertLabels(tasks: Task[]): NamedEdit {
  return { name: `Revert ${taskList(tasks)} to ground truth`, change: { kind: 'revert', tasks } };
}

const FACE_NAMES: Record<FaceState, string> = { none: 'No face', unusable: 'Unusable', ok: 'Face present', unknown: 'Face not checked' };

/** Marks no face / unusable; marking a frame that already has that mark restores "face present". */
export function toggleFace(value: 'none' | 'unusable', data: WindowFrame | undefined): NamedEdit {
  const next: FaceState = data?.face === value ? 'ok' : value;
  return { name: FACE_NAMES[next], change: { kind: 'face', value: next } };
}
