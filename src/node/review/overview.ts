// Timeline aggregates: frames [from, to] folded into B buckets (bucket b covers
// [from + ⌊b·L/B⌋, from + ⌊(b+1)·L/B⌋), L = to − from + 1), so a 50,000-frame video draws from a
// few thousand numbers instead of 50,000 frames. Pure over the columns.
import { NUM_AUS, NUM_EXPR } from '../../shared/labels';
import type { OverviewOutput } from '../../shared/review-contract';
import { FACE_CODE, HUMAN_BIT, type LabelColumns, type ModelColumns } from './columns';
import type { ReviewCriteria } from '../../shared/review-criteria';
import { isWork, modelExprClass, unlabelled } from './work';

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const meanOrNull = (s: number, n: number) => (n ? r4(s / n) : null);

export function overview(lc: LabelColumns, mc: ModelColumns | null, thr: readonly number[], c: ReviewCriteria, from: number, to: number, buckets: number, modelId: number | null): OverviewOutput {
  const hi = Math.min(to, lc.n - 1);
  const L = Math.max(0, hi - from + 1);
  const B = Math.max(1, Math.min(buckets, L));
  const out: OverviewOutput = {
    from,
    to: hi,
    buckets: B,
    modelId,
    frames: [],
    labelled: { au: [], expr: [], va: [] },
    human: [],
    noFace: [],
    auLabel: Array.from({ length: NUM_AUS }, () => []),
    auModel: Array.from({ length: NUM_AUS }, () => []),
    exprLabel: [],
    exprModel: [],
    exprModelShare: [],
    vLabel: [],
    aLabel: [],
    vModel: [],
    aModel: [],
    disagree: [],
    uncertain: [],
  };
  const auPos = new Float64Array(NUM_AUS);
  const auLab = new Float64Array(NUM_AUS);
  const auP = new Float64Array(NUM_AUS);
  const exprL = new Int32Array(NUM_EXPR);
  const exprM = new Int32Array(NUM_EXPR);
  for (let b = 0; b < B; b++) {
    const s = from + Math.floor((b * L) / B);
    const e = from + Math.floor(((b + 1) * L) / B);
    let frames = 0, lAu = 0, lExpr = 0, lVa = 0, human = 0, noFace = 0, nModel = 0, dis = 0, unc = 0;
    let vs = 0, as = 0, nva = 0, mvs = 0, mas = 0;
    auPos.fill(0);
    auLab.fill(0);
    auP.fill(0);
    exprL.fill(0);
    exprM.fill(0);
    for (let i = s; i < e; i++) {
      if (!lc.present[i]) continue;
      frames++;
      if (lc.human[i] & (HUMAN_BIT.au | HUMAN_BIT.expr | HUMAN_BIT.va)) human++;
      if (lc.face[i] === FACE_CODE.none || lc.face[i] === FACE_CODE.unusable) noFace++;
      if (!unlabelled(lc, i, 'au')) lAu++;
      for (let k = 0; k < NUM_AUS; k++) {
        const l = lc.au[i * NUM_AUS + k];
        if (l >= 0) {
          auLab[k]++;
          auPos[k] += l;
        }
      }
      if (lc.expr[i] >= 0) {
        lExpr++;
        exprL[lc.expr[i]]++;
      }
      if (!Number.isNaN(lc.v[i])) {
        lVa++;
        nva++;
        vs += lc.v[i];
        as += lc.a[i];
      }
      if (mc && mc.has[i]) {
        nModel++;
        for (let k = 0; k < NUM_AUS; k++) auP[k] += mc.au[i * NUM_AUS + k];
        exprM[modelExprClass(mc, i)]++;
        mvs += mc.v[i];
        mas += mc.a[i];
        // the queues' own rule: frames without a usable face, and reviewed tasks, are not work
        if (isWork('disagree', 'any', lc, mc, thr, c, i)) dis++;
        if (isWork('uncertain', 'any', lc, mc, thr, c, i)) unc++;
      }
    }
    out.frames.push(frames);
    out.labelled.au.push(lAu);
    out.labelled.expr.push(lExpr);
    out.labelled.va.push(lVa);
    out.human.push(human);
    out.noFace.push(noFace);
    for (let k = 0; k < NUM_AUS; k++) {
      out.auLabel[k].push(meanOrNull(auPos[k], auLab[k]));
      out.auModel[k].push(meanOrNull(auP[k], nModel));
    }
    const top = (c: Int32Array) => {
      let best = -1;
      for (let j = 0; j < c.length; j++) if (c[j] > 0 && (best < 0 || c[j] > c[best])) best = j;
      return best;
    };
    out.exprLabel.push(top(exprL));
    const em = top(exprM);
    out.exprModel.push(em);
    out.exprModelShare.push(em >= 0 ? r4(exprM[em] / nModel) : 0);
    out.vLabel.push(meanOrNull(vs, nva));
    out.aLabel.push(meanOrNull(as, nva));
    out.vModel.push(meanOrNull(mvs, nModel));
    out.aModel.push(meanOrNull(mas, nModel));
    out.disagree.push(dis);
    out.uncertain.push(unc);
  }
  return out;
}
