// The agreement report over a real project file: three annotators' rows in `annotations`, imported
// ground truth and a model's soft labels, read per scope and measured; the `agreement` verb's
// table and JSON, and agreement.compute through the contract.
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerAgreementCommand } from '../../src/cli/commands/agreement';
import { computeAgreement } from '../../src/node/agreement/compute';
import { Backend } from '../../src/node/app/backend';
import { inProcessClient } from '../../src/node/app/inprocess';
import { Project } from '../../src/node/store/project';
import { AgreementReport, type AgreementScope } from '../../src/shared/agreement-contract';
import { cohenKappa, fleissKappa, krippendorffAlpha, linCcc, type Agreement } from '../../src/shared/agreement';
import { auLabelFrom } from '../../src/shared/labels';
import { addDataset, addMedia, addModel, putExpr, putSoft, softRecord } from './export-fixture';
import { runVerb, tempDir } from './helpers';
import { reviewFixture } from './review-fixture';

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0)) c();
});

const NOW = '2026-01-01T00:00:00.000Z';
type Row = { au?: Record<number, 0 | 1>; expr?: number; va?: [number, number]; cleared?: boolean; role?: 'annotator' | 'adjudicator' };

function annotate(p: Project, frameId: number, task: 'au' | 'expr' | 'va', annotator: string, r: Row): void {
  const au = r.au ? auLabelFrom(r.au) : null;
  p.db
    .prepare(
      `INSERT INTO annotations(frame_id, task, annotator, role, au_mask, au_bits, expr, valence, arousal, provenance, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'human', ?)`,
    )
    .run(frameId, task, annotator, r.role ?? 'annotator', au?.mask ?? null, au?.bits ?? null, r.expr ?? null, r.va?.[0] ?? null, r.va?.[1] ?? null, NOW);
}

// Expression of media v (10 frames): alice and the ground truth agree throughout, bob differs on frame 9,
// carol labels frames 0-4 and differs on frame 2.
const ALICE = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
const BOB = [0, 1, 2, 0, 1, 2, 0, 1, 2, 1];
const CAROL = [0, 1, 1, 0, 1, null, null, null, null, null];
// AU of media w (6 frames): AU4 and AU12
const AU_ALICE: Record<number, 0 | 1>[] = [{ 4: 1, 12: 0 }, { 4: 0, 12: 1 }, { 4: 1, 12: 1 }, { 4: 0, 12: 0 }, { 4: 1, 12: 0 }, { 4: 0, 12: 1 }];
const AU_BOB: Record<number, 0 | 1>[] = [{ 4: 1, 12: 0 }, { 4: 1, 12: 1 }, { 4: 1, 12: 1 }, { 4: 0, 12: 0 }, { 4: 0, 12: 0 }, { 4: 0, 12: 1 }];
// VA of media x (dataset B, 5 frames)
const V_ALICE = [0.1, 0.4, -0.2, 0.8, -0.6];
const V_BOB = [0.2, 0.3, -0.1, 0.6, -0.5];
const A_ALICE = [0.5, 0.5, 0.5, 0.5, 0.5];
const A_BOB = [0.5, 0.5, 0.5, 0.5, 0.5];

function build(): { dir: string; proj: string; v: number[]; modelId: number; mediaV: number } {
  const t = tempDir('aw-agreement-');
  cleanups.push(t.cleanup);
  const proj = path.join(t.dir, 'proj');
  const p = Project.create(proj);
  const a = addDataset(p, 'A');
  const v = addMedia(p, a, 'v', 10);
  const w = addMedia(p, a, 'w', 6);
  const x = addMedia(p, addDataset(p, 'B'), 'x', 5);
  const modelId = addModel(p, 'teacher', { name: 'teacher-1' });
  p.db.transaction(() => {
    v.forEach((fid, i) => {
      annotate(p, fid, 'expr', 'alice', { expr: ALICE[i] });
      annotate(p, fid, 'expr', 'bob', { expr: BOB[i] });
      if (CAROL[i] !== null) annotate(p, fid, 'expr', 'carol', { expr: CAROL[i]! });
      putExpr(p, fid, ALICE[i]);
      // the model decides alice's expression except on frame 0 (class 3)
      putSoft(p, modelId, fid, softRecord([0.9, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1], i === 0 ? 3 : ALICE[i], 10, 10));
    });
    // an adjudicator's word and a cleared row are no ratings
    annotate(p, v[9], 'expr', 'dave', { expr: 5, role: 'adjudicator' });
    annotate(p, w[0], 'expr', 'bob', { cleared: true });
    w.forEach((fid, i) => {
      annotate(p, fid, 'au', 'alice', { au: AU_ALICE[i] });
      annotate(p, fid, 'au', 'bob', { au: AU_BOB[i] });
    });
    x.forEach((fid, i) => {
      annotate(p, fid, 'va', 'alice', { va: [V_ALICE[i], A_ALICE[i]] });
      annotate(p, fid, 'va', 'bob', { va: [V_BOB[i], A_BOB[i]] });
    });
  })();
  const mediaV = Number(p.db.prepare(`SELECT id FROM media WHERE name = 'v'`).pluck().get());
  p.close();
  return { dir: t.dir, proj, v, modelId, mediaV };
}

const value = (a: Agreement | null | undefined): number => {
  if (!a?.ok) throw new Error(`expected a value, got ${JSON.stringify(a)}`);
  return a.value;
};
const scope = (r: AgreementReport, kind: AgreementScope['kind'], name: string) => r.scopes.find((s) => s.kind === kind && s.name === name)!;

describe('computeAgreement on a project file', () => {
  it('reads each annotator, the ground truth and the model per scope and measures them with taskAgreement', () => {
    const { proj, modelId } = build();
    const p = Project.open(proj);
    try {
      const r = computeAgreement(p.db, { modelId });
      expect(r.annotators).toEqual(['alice', 'bob', 'carol']);
      expect(r.references).toEqual({ groundTruth: 'ground truth', model: `model #${modelId} teacher-1` });
      expect(r.scopes.map((s) => `${s.kind}:${s.name}`)).toEqual(['overall:overall', 'dataset:A', 'dataset:B', 'media:v', 'media:w', 'media:x']);
      const all = r.scopes[0];
      // expression: v's 10 frames; w's frame 0, where bob's only row is a clearing, has no rating
      expect(all.frames).toEqual({ au: 6, expr: 10, va: 5 });
      expect(all.annotators.expr).toEqual(['alice', 'bob', 'carol']);
      const m = all.expr.pairwise;
      expect(m.names).toEqual(['alice', 'bob', 'carol', 'ground truth', `model #${modelId} teacher-1`]);
      // alice–bob by hand: agree on 9 of 10, marginals 4/3/3 and 3/4/3: κ = (0.9 − 0.33) / 0.67
      expect(value(m.cells[0][1])).toBeCloseTo(57 / 67, 12);
      expect(m.cells[0][1]).toMatchObject({ n: 10 });
      expect(value(m.cells[0][2])).toBeCloseTo(value(cohenKappa(ALICE.slice(0, 5), CAROL.slice(0, 5))), 12);
      expect(value(m.cells[0][3])).toBe(1); // alice = the ground truth
      expect(value(m.cells[1][3])).toBeCloseTo(57 / 67, 12);
      const model = ALICE.map((e, i) => (i === 0 ? 3 : e));
      expect(value(m.cells[0][4])).toBeCloseTo(value(cohenKappa(ALICE, model)), 12);
      // the panel: the three annotators only (carol's missing frames are missing values)
      const pad = (xs: (number | null)[]) => xs;
      expect(value(all.expr.alpha)).toBeCloseTo(value(krippendorffAlpha([pad(ALICE), pad(BOB), pad(CAROL)], 'nominal')), 12);
      expect(value(all.expr.fleissKappa)).toBeCloseTo(value(fleissKappa([ALICE, BOB, CAROL])), 12);
      // AU per AU (only AU4 and AU12 labelled; the model's 8 AUs have no rater here)
      expect(all.au.perAu.map((a) => a.au)).toEqual([4, 12]);
      const au4 = all.au.perAu[0];
      expect(value(au4.pairwise.cells[0][1])).toBeCloseTo(value(cohenKappa(AU_ALICE.map((x) => x[4]), AU_BOB.map((x) => x[4]))), 12);
      expect(au4.pairwise.cells[0][2]).toMatchObject({ ok: false, reason: 'no-overlap' }); // no AU ground truth on w
      // VA: CCC per pair, the arousal is constant → n/a, never NaN
      expect(value(all.va.valence.pairwise.cells[0][1])).toBeCloseTo(value(linCcc(V_ALICE, V_BOB)), 12);
      expect(all.va.arousal.alpha).toMatchObject({ ok: false, reason: 'no-variation' });
      expect(JSON.stringify(r)).not.toMatch(/NaN|null,"n"/);
      // a dataset's scope is its own frames: B has VA only
      const b = scope(r, 'dataset', 'B');
      expect(b.frames).toEqual({ au: 0, expr: 0, va: 5 });
      expect(b.expr.fleissKappa).toMatchObject({ ok: false });
      expect(scope(r, 'media', 'v').frames.expr).toBe(10);
    } finally {
      p.close();
    }
  });

  it('one media item: its figures and the disagreement strip', () => {
    const { proj, mediaV } = build();
    const p = Project.open(proj);
    try {
      const r = computeAgreement(p.db, { mediaId: mediaV, buckets: 10 });
      expect(r.scopes).toHaveLength(1);
      expect(r.scopes[0]).toMatchObject({ kind: 'media', name: 'v', frames: { au: 0, expr: 10, va: 0 } });
      expect(r.strip).toMatchObject({ mediaId: mediaV, frameCount: 10, buckets: 10 });
      // frame 2: carol differs from alice and bob (2 of 3 pairs); frame 9: alice ≠ bob; elsewhere unanimous
      expect(r.strip!.expr).toEqual([0, 0, 2 / 3, 0, 0, 0, 0, 0, 0, 1]);
      expect(r.strip!.exprAt[9]).toBe(9);
      expect(r.strip!.au.every((x) => x === null)).toBe(true);
      expect(() => computeAgreement(p.db, { mediaId: 999 })).toThrow(/No media item with id 999/);
      expect(() => computeAgreement(p.db, { modelId: 999 })).toThrow(/No model with id 999/);
    } finally {
      p.close();
    }
  });

  it('answers through the contract as the schema says (JSON round trip)', async () => {
    const { dir, proj, modelId } = build();
    process.env.AW_HOME = path.join(dir, 'home');
    const backend = new Backend({ transport: 'inprocess' });
    backend.openProject(proj, false);
    try {
      const client = inProcessClient(backend);
      const res = await client.call('agreement.compute', { modelId });
      if (!res.ok) throw new Error(res.error.message);
      expect(AgreementReport.parse(res.value)).toEqual(res.value);
      expect(res.value.scopes[0].expr.pairwise.cells[0][1]).toMatchObject({ ok: true, n: 10 });
      expect(await client.call('agreement.compute', { mediaId: 0 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      expect(await client.call('agreement.compute', { mediaId: 999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    } finally {
      await backend.close();
    }
  });
});

describe('agreement of labels written through labels.edit (the per-annotator write path)', () => {
  it("two annotators' edits are their own layers; one annotator's undo changes only their figures", async () => {
    const f = await reviewFixture(40, { softLabels: false });
    try {
      const frames = [3, 4, 5, 6, 7, 8];
      const a = [0, 4, 4, 1, 0, 6];
      const b = [0, 4, 5, 1, 0, 6];
      for (const [author, classes] of [['alice', a], ['bob', b]] as const) {
        for (let k = 0; k < frames.length; k++) {
          await f.call('labels.edit', { mediaId: f.mediaId, name: 'Expression', frames: [frames[k]], author, change: { kind: 'expr', value: classes[k] } });
        }
      }
      const r = await f.call('agreement.compute', { mediaId: f.mediaId });
      expect(r.annotators).toEqual(['alice', 'bob']);
      expect(r.scopes[0].frames.expr).toBe(6);
      expect(value(r.scopes[0].expr.pairwise.cells[0][1])).toBeCloseTo(value(cohenKappa(a, b)), 12);
      // bob undoes his last label (frame 8): alice's stays, the pair now has 5 frames in common
      await f.call('labels.undo', { mediaId: f.mediaId, author: 'bob' });
      const after = await f.call('agreement.compute', { mediaId: f.mediaId });
      expect(after.scopes[0].frames.expr).toBe(6);
      expect(after.scopes[0].expr.pairwise.cells[0][1]).toMatchObject({ ok: true, n: 5, excluded: 1 });
      expect(value(after.scopes[0].expr.pairwise.cells[0][1])).toBeCloseTo(value(cohenKappa(a.slice(0, 5), b.slice(0, 5))), 12);
    } finally {
      await f.close();
    }
  });
});

const cli = (args: string[]) => runVerb(registerAgreementCommand, args);

describe('affect-workbench agreement', () => {
  it('--json prints the report computeAgreement makes; the table says n/a, never NaN', async () => {
    const { proj, modelId } = build();
    const json = JSON.parse(await cli(['agreement', proj, '--dataset', 'A', '--model', String(modelId), '--json'])) as AgreementReport;
    expect(AgreementReport.parse(json)).toEqual(json);
    expect(json.scopes.map((s) => `${s.kind}:${s.name}`)).toEqual(['dataset:A', 'media:v', 'media:w']);
    expect(json.scopes[0].expr.pairwise.cells[0][1]).toMatchObject({ ok: true, n: 10 });
    expect((json.scopes[0].expr.pairwise.cells[0][1] as { value: number }).value).toBeCloseTo(57 / 67, 12);
    const p = Project.open(proj);
    try {
      const datasetId = Number(p.db.prepare(`SELECT id FROM datasets WHERE name = 'A'`).pluck().get());
      expect(json).toEqual(JSON.parse(JSON.stringify(computeAgreement(p.db, { datasetId, modelId }))));
    } finally {
      p.close();
    }
    const text = await cli(['agreement', proj]);
    if (process.env.AW_PEEK) console.log(text);
    expect(text).toMatch(/^Agreement of 3 annotators \(alice, bob, carol\); references: ground truth/);
    expect(text).toContain('== overall: AU 6 frames, expression 10, valence/arousal 5 ==');
    expect(text).toMatch(/Cohen κ\s+alice\s+bob\s+carol\s+ground truth/);
    expect(text).toMatch(/\n {2}alice\s+—\s+0\.851\s+/);
    expect(text).toMatch(/Arousal, 2 annotators: Krippendorff α n\/a\[\d\]/);
    expect(text).toMatch(/\[\d\] n\/a: /);
    expect(text).not.toMatch(/NaN/);
    await expect(cli(['agreement', proj, '--dataset', 'Z'])).rejects.toThrow(/No dataset named "Z" \(the project has: A, B\)/);
    await expect(cli(['agreement', proj, '--media', 'x'])).rejects.toThrow(/--media takes a positive id/);
  });
});
