import { describe, expect, it } from 'vitest';
import { decodeSoftLabel, encodeSoftLabel, softLabelProbabilities } from '../../src/node/store/softlabels';
import { SOFT_LABEL_WIDTH } from '../../src/shared/labels';

describe('soft-label records', () => {
  const values = Array.from({ length: SOFT_LABEL_WIDTH }, (_, i) => Math.sin(i) * 3);
  it('round-trips float32 exactly and float16 closely, with a version header', () => {
    const b32 = encodeSoftLabel(values);
    expect(b32[0]).toBe(1);
    expect(b32.length).toBe(4 + 4 * SOFT_LABEL_WIDTH);
    const d32 = decodeSoftLabel(b32);
    values.forEach((v, i) => expect(d32[i]).toBeCloseTo(v, 5));
    const b16 = encodeSoftLabel(values, 'float16');
    expect(b16.length).toBe(4 + 2 * SOFT_LABEL_WIDTH);
    const d16 = decodeSoftLabel(b16);
    values.forEach((v, i) => expect(Math.abs(d16[i] - v)).toBeLessThan(4e-3));
  });
  it('refuses an unknown version and a wrong width', () => {
    const b = encodeSoftLabel(values);
    b[0] = 9;
    expect(() => decodeSoftLabel(b)).toThrow(/version 9/);
    expect(() => encodeSoftLabel([1, 2, 3])).toThrow(/55 values/);
  });
  it('turns logits into probabilities and the VA expectation over bin centres', () => {
    const v = new Float32Array(SOFT_LABEL_WIDTH);
    v[0] = 0; // AU1 p = 0.5
    v[8 + 4] = 10; // Happiness dominates
    v[15 + 19] = 50; // valence bin 19 → 0.95
    v[35 + 0] = 50; // arousal bin 0 → -0.95
    const p = softLabelProbabilities(v);
    expect(p.au[0]).toBeCloseTo(0.5);
    expect(p.expr.indexOf(Math.max(...p.expr))).toBe(4);
    expect(p.valence).toBeCloseTo(0.95, 5);
    expect(p.arousal).toBeCloseTo(-0.95, 5);
  });
});
