import { describe, expect, it } from 'vitest';
import {
  accuracy,
  accuracyFromConfusion,
  auMetrics,
  binaryCounts,
  ccc,
  confusionMatrix,
  evaluationBlock,
  exprMetrics,
  f1FromCounts,
  macroF1,
  meanProbabilities,
  meanValues,
  perClassF1,
  sigmoid,
  softmax,
  THRESHOLD_GRID,
  tuneAuThresholds,
  vaFromBinLogits,
} from '../../src/shared/metrics';

/** Scores for a predicted class: a one-hot-ish 7-vector whose argmax is c. */
const scores = (c: number) => Array.from({ length: 7 }, (_, i) => (i === c ? 0.7 : 0.05));

// Expression example, worked by hand (truth -> predicted):
//   (0,0) (0,0) (0,1) (1,1) (1,4) (2,2) (4,4) (4,4) (4,0) (4,4) (6,5), plus two unlabelled frames.
// Confusion rows (true):  0: [2,1,0,0,0,0,0]   1: [0,1,0,0,1,0,0]   2: [0,0,1,0,0,0,0]
//                         3: zeros             4: [1,0,0,0,3,0,0]   5: zeros   6: [0,0,0,0,0,1,0]
// F1: Neutral 2·2/(4+1+1) = 2/3; Anger 2/(2+1+1) = 1/2; Disgust 1; Fear (absent everywhere) 0;
//     Happiness 6/(6+1+1) = 3/4; Sadness (predicted once, wrongly) 0; Surprise (never predicted) 0.
// Macro F1 over the 6 classes present in truth or predictions (Fear is in neither: its only
// prediction is on an unlabelled frame) = (2/3 + 1/2 + 1 + 3/4 + 0 + 0) / 6 = 35/72; Acc = 7/11.
// scikit-learn 1.9.1, f1_score(t, p, average='macro') on the 11 labelled pairs: 0.4861111111111111
// (= 35/72); with labels=range(7) (the old average over all 7): 0.41666666666666663 (= 5/12).
const exprTruth = [0, 0, 0, 1, 1, 2, 4, 4, 4, 4, 6, null, -1];
const exprPred = [0, 0, 1, 1, 4, 2, 4, 4, 0, 4, 5, 3, 6];
const exprConfusion = [
  [2, 1, 0, 0, 0, 0, 0],
  [0, 1, 0, 0, 1, 0, 0],
  [0, 0, 1, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0],
  [1, 0, 0, 0, 3, 0, 0],
  [0, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 1, 0],
];

// AU example, 4 frames, threshold 0.5 (worked by hand):
//   AU1   truth [1,0,1,0]  p [.9,.6,.4,.1] -> pred [1,1,0,0]: TP1 FP1 FN1 TN1, F1 1/2, 2 correct
//   AU2   truth [0,0,0,0]  p [.1,.2,.3,.4] -> no positives anywhere: F1 0 (zero_division=0), 4 correct
//   AU4   truth [1,1,-,-]  p [.7,.8,.9,.1] -> 2 labelled, both TP: F1 1, 2 correct
//   AU6   unlabelled everywhere -> no F1, no decisions
//   AU12..AU25 truth [0,1,0,1] p [.2,.7,.6,.3] -> TP1 FP1 FN1 TN1: F1 1/2, 2 correct, each
//   F1 = (1/2 + 0 + 1 + 4·1/2) / 7 = 1/2;  Acc = (2+4+2+8) / (4+4+2+16) = 16/26 = 8/13.
const auProbs = [
  [0.9, 0.1, 0.7, 0.5, 0.2, 0.2, 0.2, 0.2],
  [0.6, 0.2, 0.8, 0.5, 0.7, 0.7, 0.7, 0.7],
  [0.4, 0.3, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6],
  [0.1, 0.4, 0.1, 0.5, 0.3, 0.3, 0.3, 0.3],
];
const auLabels = [
  [1, 0, 1, -1, 0, 0, 0, 0],
  [0, 0, 1, -1, 1, 1, 1, 1],
  [1, 0, -1, -1, 0, 0, 0, 0],
  [0, 0, -1, NaN, 1, 1, 1, 1],
];

describe('F1, accuracy and confusion', () => {
  it('F1 from counts with zero_division = 0', () => {
    expect(f1FromCounts(3, 1, 1)).toBeCloseTo(0.75, 12);
    expect(f1FromCounts(0, 0, 0)).toBe(0);
    expect(f1FromCounts(0, 2, 0)).toBe(0);
    expect(binaryCounts([1, 0, 1, 0, -1, null], [1, 1, 0, 0, 1, 1])).toEqual({ tp: 1, fp: 1, fn: 1, tn: 1 });
  });

  it('confusion matrix, per-class and macro F1, accuracy against the hand-worked example', () => {
    const m = confusionMatrix(exprTruth, exprPred, 7);
    expect(m).toEqual(exprConfusion);
    const f = perClassF1(m);
    [2 / 3, 1 / 2, 1, 0, 3 / 4, 0, 0].forEach((v, i) => expect(f[i]).toBeCloseTo(v, 12));
    expect(macroF1(m)).toBeCloseTo(35 / 72, 12);
    expect(accuracyFromConfusion(m)).toBeCloseTo(7 / 11, 12);
    expect(accuracy(exprTruth, exprPred)).toBeCloseTo(7 / 11, 12);
  });

  it('EXPR metric = 0.67·F1 + 0.33·Acc over labelled frames, from scores or class ids', () => {
    const r = exprMetrics(exprPred.map(scores), exprTruth)!;
    expect(r.f1).toBeCloseTo(35 / 72, 12);
    expect(r.acc).toBeCloseTo(7 / 11, 12);
    expect(r.score).toBeCloseTo(0.67 * (35 / 72) + 0.33 * (7 / 11), 12);
    expect(r.confusion).toEqual(exprConfusion);
    // Fear is neither true nor predicted on a labelled frame: no F1 to report; Sadness (only predicted) is 0.
    expect(Object.keys(r.perClass)).toEqual(['Neutral', 'Anger', 'Disgust', 'Happiness', 'Sadness', 'Surprise']);
    expect(r.perClass.Fear).toBeUndefined();
    expect(r.perClass.Sadness).toBe(0);
    expect(r.perClass.Happiness).toBeCloseTo(0.75, 12);
    expect(exprMetrics(exprPred, exprTruth)!.score).toBeCloseTo(r.score, 12);
    expect(exprMetrics([scores(1)], [null])).toBeNull();
  });

  // Expected values from scikit-learn 1.9.1 (sklearn.metrics.f1_score, default zero_division),
  // each also worked by hand in its comment.
  it('macro F1 follows scikit-learn: classes absent from truth and predictions are left out', () => {
    // truth [0,0,1,1] pred [0,2,1,1]: classes {0,1,2}. F1 0: TP1 FN1 -> 2/3; F1 1: TP2 -> 1;
    // F1 2 (only predicted): FP1 -> 0. Macro (2/3 + 1 + 0) / 3 = 5/9; sklearn 0.5555555555555555.
    const a = exprMetrics([0, 2, 1, 1], [0, 0, 1, 1])!;
    expect(a.f1).toBeCloseTo(5 / 9, 12);
    expect(a.perClass).toEqual({ Neutral: expect.closeTo(2 / 3, 12), Anger: 1, Disgust: 0 });
    // One class, always right: macro F1 1 (sklearn 1.0), not 1/7.
    expect(exprMetrics([3, 3, 3], [3, 3, 3])!.f1).toBe(1);
    // truth [0,1,2] pred [0,0,0]: F1 0: TP1 FP2 -> 1/2; classes 1 and 2 never predicted -> 0.
    // Macro 1/6; sklearn 0.16666666666666666 (and the same with truth and prediction swapped).
    expect(exprMetrics([0, 0, 0], [0, 1, 2])!.f1).toBeCloseTo(1 / 6, 12);
    expect(exprMetrics([0, 1, 2], [0, 0, 0])!.f1).toBeCloseTo(1 / 6, 12);
    // Predictions on unlabelled frames do not make a class present: truth [4,4,-] pred [4,4,6] -> 1.
    expect(exprMetrics([4, 4, 6], [4, 4, null])!.f1).toBe(1);
    // An empty matrix has no class: 0.
    expect(macroF1(Array.from({ length: 7 }, () => new Array<number>(7).fill(0)))).toBe(0);
  });

  it('AU F1 is the binary F1 of each labelled AU, all-negative AUs counting 0 (scikit-learn, ABAW)', () => {
    // f1_score([0,0,0,0], [0,0,0,0]) = 0.0, f1_score([0,0,0,0], [0,1,0,0]) = 0.0,
    // f1_score([0,1,0,0], [0,0,0,0]) = 0.0 (sklearn 1.9.1). The ABAW / reference AU_metric averages
    // over every AU column: with all 8 labelled, AU1 perfect (F1 1) and AU2..AU25 all negative in
    // truth and prediction (F1 0 each), F1 = 1/8, Acc = 1, score = 0.5·1/8 + 0.5 = 9/16.
    const probs = [
      [0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
    ];
    const labels = [
      [1, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ];
    const r = auMetrics(probs, labels)!;
    expect(Object.keys(r.perAU)).toHaveLength(8);
    expect(r.f1).toBeCloseTo(1 / 8, 12);
    expect(r.acc).toBe(1);
    expect(r.score).toBeCloseTo(9 / 16, 12);
    // An AU nobody labelled (AU25 here) has no column to score: the mean is over the other 7.
    const partial = auMetrics(probs, labels.map((l) => [...l.slice(0, 7), -1]))!;
    expect(Object.keys(partial.perAU)).toHaveLength(7);
    expect(partial.f1).toBeCloseTo(1 / 7, 12);
  });

  it('AU metric = 0.5·F1 + 0.5·Acc, each AU only where labelled', () => {
    const r = auMetrics(auProbs, auLabels)!;
    expect(r.f1).toBeCloseTo(1 / 2, 12);
    expect(r.acc).toBeCloseTo(8 / 13, 12);
    expect(r.score).toBeCloseTo(0.25 + 4 / 13, 12);
    expect(r.threshold).toEqual(new Array(8).fill(0.5));
    expect(Object.keys(r.perAU)).toEqual(['AU1', 'AU2', 'AU4', 'AU12', 'AU15', 'AU20', 'AU25']);
    expect(r.perAU.AU2).toBe(0);
    expect(r.perAU.AU4).toBe(1);
    // Thresholds change decisions: AU1 at 0.65 -> pred [1,0,0,0]: TP1 FN1, F1 2/3, 3 correct.
    const t = auMetrics(auProbs, auLabels, [0.65, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])!;
    expect(t.perAU.AU1).toBeCloseTo(2 / 3, 12);
    expect(t.acc).toBeCloseTo(17 / 26, 12);
    expect(auMetrics([[0.9, 0, 0, 0, 0, 0, 0, 0]], [[-1, -1, -1, -1, -1, -1, -1, -1]])).toBeNull();
  });
});

describe('CCC', () => {
  it('uses population moments: [1,2,3] vs [2,3,4] is 4/7; perfect 1; reversed −1', () => {
    expect(ccc([1, 2, 3], [2, 3, 4])).toBeCloseTo(4 / 7, 12);
    expect(ccc([1, 2, 3, 100], [2, 3, 4, null])).toBeCloseTo(4 / 7, 12);
    expect(ccc([1, 2, 3, 100], [2, 3, 4, NaN])).toBeCloseTo(4 / 7, 12);
    expect(ccc([0.1, -0.5, 0.3], [0.1, -0.5, 0.3])).toBeCloseTo(1, 12);
    expect(ccc([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('edge cases: constant prediction 0, constant-and-equal 0, no labels NaN', () => {
    expect(ccc([0.2, 0.2, 0.2], [0.1, 0.5, -0.3])).toBeCloseTo(0, 12);
    expect(ccc([0.2, 0.2], [0.2, 0.2])).toBe(0);
    expect(ccc([1, 2], [null, NaN])).toBeNaN();
  });
});

describe('threshold tuning', () => {
  it('maximises per-AU F1 over the grid, ties nearest 0.5, unlabelled AUs keep 0.5', () => {
    expect(THRESHOLD_GRID.length).toBe(19);
    expect(THRESHOLD_GRID[0]).toBe(0.05);
    expect(THRESHOLD_GRID[18]).toBe(0.95);
    const probs: number[][] = [];
    const labels: number[][] = [];
    // AU1: positives at 0.3, 0.35, 0.8, negatives at 0.2, 0.1 -> F1 = 1 for thresholds 0.25 and 0.30; 0.30 is nearer 0.5.
    // AU2: all negative, probabilities <= 0.4 -> F1 = 0 at every threshold -> 0.5.
    // AU4: one positive at 0.96, negatives at 0.9 -> only 0.95 separates them.
    // AU6..AU25: unlabelled -> 0.5.
    const au1 = [[0.3, 1], [0.35, 1], [0.2, 0], [0.1, 0], [0.8, 1]];
    const au2 = [[0.1, 0], [0.2, 0], [0.3, 0], [0.4, 0], [0.05, 0]];
    const au4 = [[0.96, 1], [0.9, 0], [0.9, 0], [0.9, 0], [0.9, 0]];
    for (let i = 0; i < 5; i++) {
      probs.push([au1[i][0], au2[i][0], au4[i][0], 0.5, 0.5, 0.5, 0.5, 0.5]);
      labels.push([au1[i][1], au2[i][1], au4[i][1], -1, -1, -1, -1, -1]);
    }
    const th = tuneAuThresholds(probs, labels);
    expect(th).toEqual([0.3, 0.5, 0.95, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const tuned = auMetrics(probs, labels, th)!;
    const plain = auMetrics(probs, labels, 0.5)!;
    expect(tuned.perAU.AU1).toBe(1);
    expect(plain.perAU.AU1).toBeCloseTo(0.5, 12); // only the 0.8 positive found: 2/(2+2)
    expect(tuned.score).toBeGreaterThan(plain.score);
  });
});

describe('ensembles and probabilities', () => {
  it('means of probabilities element-wise; shape mismatch throws', () => {
    const m = meanProbabilities([
      [[0.2, 0.8], [1, 0]],
      [[0.4, 0.6], [0, 1]],
    ]);
    expect(m[0][0]).toBeCloseTo(0.3, 12);
    expect(m[0][1]).toBeCloseTo(0.7, 12);
    expect(m[1]).toEqual([0.5, 0.5]);
    expect(meanValues([[0.1, -0.2], [0.3, 0.4], [0.2, 0.1]]).map((v) => +v.toFixed(12))).toEqual([0.2, 0.1]);
    expect(() => meanProbabilities([[[1, 2]], [[1, 2, 3]]])).toThrow();
  });

  it('sigmoid, softmax and VA expectation over the bin centres', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 12);
    const s = softmax([0, Math.log(3), 1000 - 1000]);
    expect(s[1]).toBeCloseTo(0.6, 12);
    const peak = new Array(20).fill(0);
    peak[19] = 100;
    expect(vaFromBinLogits(peak)).toBeCloseTo(0.95, 10);
    expect(vaFromBinLogits(new Array(20).fill(1))).toBeCloseTo(0, 12);
  });
});

describe('evaluation block', () => {
  it('has the stored shape, nulls absent tasks and survives JSON', () => {
    const block = evaluationBlock({
      au: { probs: auProbs, labels: auLabels },
      expr: { probs: exprPred.map(scores), labels: exprTruth },
      va: {
        valence: [1, 2, 3, 0],
        arousal: [0.5, 0.5, 0.5, 0.5],
        labelValence: [2, 3, 4, null],
        labelArousal: [0.1, 0.5, -0.3, null],
      },
    });
    expect(block.au!.score).toBeCloseTo(0.25 + 4 / 13, 12);
    expect(block.expr!.score).toBeCloseTo(0.67 * (35 / 72) + 0.33 * (7 / 11), 12);
    expect(block.valence!.ccc).toBeCloseTo(4 / 7, 12);
    expect(block.arousal!.ccc).toBe(0);
    expect(block.n).toEqual({ au: 4, expr: 11, va: 3 });
    expect(JSON.parse(JSON.stringify(block))).toEqual(block);

    const empty = evaluationBlock({ va: { valence: [0], arousal: [0], labelValence: [null], labelArousal: [NaN] } });
    expect(empty).toEqual({ au: null, expr: null, valence: null, arousal: null, n: { au: 0, expr: 0, va: 0 } });
  });
});
