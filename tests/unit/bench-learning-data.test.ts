// The learning bench's pure data rules (bench/lib/emfacs.ts, bench/lib/real-faces.ts): expressions
// derived from AU labels by EMFACS prototypes only where exactly one prototype matches, and CK+'s
// subjects mapped onto our splits subject-wise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMFACS_RULES, emfacsExpression, emfacsLabels, ruleText } from '../../bench/lib/emfacs';
import { ckplusSplit, deriveCkplusManifest } from '../../bench/lib/real-faces';
import { EXPRESSIONS, MODEL_AUS } from '../../src/shared/labels';

/** An 8-AU label vector (model AU order) with the given AUs active, the others 0. */
const aus = (...on: number[]): number[] => MODEL_AUS.map((a) => (on.includes(a) ? 1 : 0));
const name = (e: number | null) => (e === null ? null : EXPRESSIONS[e]);

describe('EMFACS expressions from the 8 model AUs', () => {
  it('names the one prototype a face matches, extra AUs allowed', () => {
    expect(name(emfacsExpression(aus(6, 12)))).toBe('Happiness');
    expect(name(emfacsExpression(aus(6, 12, 25)))).toBe('Happiness');
    expect(name(emfacsExpression(aus(1, 4, 15)))).toBe('Sadness');
    expect(name(emfacsExpression(aus(1, 2, 25)))).toBe('Surprise');
    expect(name(emfacsExpression(aus(1, 2, 4, 20)))).toBe('Fear');
    expect(name(emfacsExpression(aus(1, 2, 4, 20, 25)))).toBe('Fear');
  });

  it('gives none for no match, two matches, or an unlabelled AU a rule reads', () => {
    expect(emfacsExpression(aus())).toBeNull();
    expect(emfacsExpression(aus(12))).toBeNull();
    expect(emfacsExpression(aus(1, 2, 4, 25))).toBeNull(); // surprise excludes AU4, fear needs AU20
    expect(emfacsExpression(aus(1, 4, 6, 12, 15))).toBeNull(); // happiness and sadness
    const unlabelled = aus(6, 12);
    unlabelled[MODEL_AUS.indexOf(4)] = -1;
    expect(emfacsExpression(unlabelled)).toBeNull();
  });

  it('labels rows of a matrix and counts faces per rule', () => {
    const m = [...aus(6, 12), ...aus(), ...aus(1, 2, 25), ...aus(6, 12)];
    const { expr, counts } = emfacsLabels(m, 4);
    expect(Array.from(expr)).toEqual([EXPRESSIONS.indexOf('Happiness'), -1, EXPRESSIONS.indexOf('Surprise'), EXPRESSIONS.indexOf('Happiness')]);
    expect(counts).toEqual({ Happiness: 2, Sadness: 0, Surprise: 1, Fear: 0 });
    expect(EMFACS_RULES.map(ruleText)).toContain('Surprise = AU1+AU2+AU25 without AU4');
  });
});

describe('CK+ splits mapped onto ours', () => {
  const train = ['S010', 'S011', 'S012', 'S013', 'S014', 'S015', 'S016', 'S017', 'S018', 'S019'];

  it('turns CK+ val subjects into test and one in five training subjects into val', () => {
    expect(ckplusSplit('val', 'S100', train)).toBe('test');
    expect(train.map((s) => ckplusSplit('train', s, train))).toEqual(['train', 'train', 'train', 'train', 'val', 'train', 'train', 'train', 'train', 'val']);
    expect(() => ckplusSplit('test', 'S010', train)).toThrow(/expected train or val/);
  });

  it('writes a manifest with absolute paths and mapped splits, subjects never on two sides', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-ckplus-'));
    const rows = ['path,subject,split,AU1,AU12', ...train.flatMap((s) => [`images/${s}_a.png,${s},train,1,0`, `images/${s}_b.png,${s},train,0,1`]), 'images/S100_a.png,S100,val,0,1'];
    fs.writeFileSync(path.join(dir, 'labels.csv'), rows.join('\n') + '\n');
    const m = deriveCkplusManifest(dir, path.join(dir, 'derived.csv'));
    expect(m.faces).toEqual({ train: 16, val: 4, test: 1 });
    expect(m.subjects).toEqual({ train: train.filter((_, i) => i % 5 !== 4), val: ['S014', 'S019'], test: ['S100'] });
    const out = fs.readFileSync(path.join(dir, 'derived.csv'), 'utf8').trim().split('\n');
    expect(out[0]).toBe('path,subject,split,AU1,AU12');
    expect(out[9]).toBe(`${path.join(dir, 'images', 'S014_a.png')},S014,val,1,0`);
    expect(out.at(-1)).toBe(`${path.join(dir, 'images', 'S100_a.png')},S100,test,0,1`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
