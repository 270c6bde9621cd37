// A window of frames for the player's overlay and the zoomed-in timeline: per frame the labels in
// force with their provenance, the imported ground truth beneath a correction, the face mark, and
// the selected model's probabilities (rounded to 4 decimals: far below what the overlay can show,
// and a third of the JSON).
import { FACE_STATES, type FaceState, type WindowFrame } from '../../shared/review-contract';
import { thresholdsOrDefault } from '../../shared/review-criteria';
import { LogitReader, softLabelProbabilities } from '../../shared/softlabels';
import type { Db } from '../store/database';
import { getModel } from '../store/models';
import { modelAuVector, modelBits, takesSlot } from '../labels/layers';

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

type Row = [number, 'au' | 'expr' | 'va', 'imported' | 'human', number, number, number, number | null, number | null, number | null, string];

export interface WindowResult {
  from: number;
  to: number;
  modelId: number | null;
  thresholds: number[];
  frames: WindowFrame[];
}

export function reviewWindow(db: Db, mediaId: number, from: number, to: number, modelId: number | null): WindowResult {
  const frames = new Map<number, WindowFrame>();
  for (const [idx, face] of db.prepare('SELECT idx, face FROM frames WHERE media_id = ? AND idx BETWEEN ? AND ? ORDER BY idx').raw().all(mediaId, from, to) as [
    number,
    FaceState,
  ][])
    frames.set(idx, { frame: idx, face: FACE_STATES.includes(face) ? face : 'unknown', au: null, expr: null, va: null, gt: null, m: null });

  const rows = db
    .prepare(
      `SELECT f.idx, l.task, l.layer, ${modelBits('l.au_mask')}, ${modelBits('l.au_bits')}, l.au_mask IS NULL, l.expr, l.valence, l.arousal, l.provenance
       FROM frames f JOIN labels l ON l.frame_id = f.id
       WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?
       ORDER BY f.idx, l.task, l.layer`,
    )
    .raw()
    .all(mediaId, from, to) as Row[];
  // Per (frame, task) the human row comes first (ORDER BY layer). The row that takes the slot under
  // the precedence rule is in force; an imported row that does not is the ground truth it overrides.
  let humanKey = '';
  for (const [idx, task, layer, mask, bits, noMask, expr, val, aro, prov] of rows) {
    const f = frames.get(idx);
    if (!f) continue;
    const p = prov as 'imported' | 'human' | 'accepted';
    const k = `${idx}:${task}`;
    const human = layer === 'human';
    const beneath = !takesSlot(human, k === humanKey);
    if (human) humanKey = k;
    if (beneath) {
      f.gt ??= { au: null, expr: null, va: null };
      if (task === 'au') f.gt.au = noMask ? null : modelAuVector(mask, bits);
      else if (task === 'expr') f.gt.expr = expr;
      else f.gt.va = val === null || aro === null ? null : [val, aro];
      continue;
    }
    if (task === 'au') f.au = { v: noMask ? null : modelAuVector(mask, bits), p };
    else if (task === 'expr') f.expr = { v: expr, p };
    else f.va = { v: val, a: aro, p };
  }

  let thresholds = thresholdsOrDefault(null);
  if (modelId !== null) {
    const model = getModel(db, modelId);
    if (model) {
      thresholds = thresholdsOrDefault(model.thresholds);
      const recs = db
        .prepare('SELECT f.idx, s.data FROM frames f JOIN soft_labels s ON s.model_id = ? AND s.frame_id = f.id WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?')
        .raw()
        .all(modelId, mediaId, from, to) as [number, Buffer][];
      const r = new LogitReader();
      for (const [idx, data] of recs) {
        const f = frames.get(idx);
        if (!f) continue;
        r.readOne(data);
        const p = softLabelProbabilities(r.l, r.base);
        f.m = { au: p.au.map(r4), expr: p.expr.map(r4), v: r4(p.valence), a: r4(p.arousal), vb: p.vBins.map(r4), ab: p.aBins.map(r4) };
      }
    }
  }
  return { from, to, modelId, thresholds, frames: [...frames.values()] };
}
