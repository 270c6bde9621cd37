// Adjudication in the review screen (issue 15), in Chromium against the real backend: two
// annotators' differing labels (written through the backend as those annotators), the adjudicator
// switches the review screen to adjudicator mode, walks the queue with Q, and decides three frames
// through the UI — a pick by button, a pick by key, a value of their own — each with its provenance
// shown; then File → Export… writes the adjudicated values, and the resolved rows say where they
// came from (merged_from 'adjudicated', author the adjudicator).
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import { expect, screenshot, test } from './fixtures';
import { ExportDialogPO } from './pages/data';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';

let seed: ReviewSeed;

test.beforeEach(async ({ workbench }) => {
  seed = await seedReviewProject(workbench.dir('adjudication'), { frames: 48, softLabels: false });
  workbench.backend.openProject(seed.dir, false);
  const edit = workbench.backend.handlers['labels.edit'];
  const m = seed.mediaId;
  // ann: Happiness on 5–7; bob: Sadness on the same frames (a tie each); their VA on frame 20 differs by 0.5
  await edit({ mediaId: m, name: 'ann expr', frames: [5, 6, 7], author: 'ann', change: { kind: 'expr', value: 4 } });
  await edit({ mediaId: m, name: 'bob expr', frames: [5, 6, 7], author: 'bob', change: { kind: 'expr', value: 5 } });
  await edit({ mediaId: m, name: 'ann va', frames: [20], author: 'ann', change: { kind: 'va', valence: 0.1, arousal: 0.1 } });
  await edit({ mediaId: m, name: 'bob va', frames: [20], author: 'bob', change: { kind: 'va', valence: 0.6, arousal: 0.1 } });
});

test('the adjudicator walks the disagreements, decides three frames, and the export has the adjudicated values', async ({ app: page, workbench }) => {
  // the adjudicator's name, as the annotator-name prompt remembers it on this machine
  await page.evaluate("localStorage.setItem('aw.annotator', 'carol')");
  await page.reload();
  const r = new ReviewPO(page);
  await r.open(workbench.url, seed.mediaId, 0);
  await page.getByTestId('role-toggle').click();
  const bar = page.getByTestId('adjudication-bar');
  const panel = page.getByTestId('adjudication-panel');
  await expect(bar).toBeVisible();
  await expect(page.getByTestId('adj-open-here')).toHaveAttribute('data-open', '4');
  await expect(page.getByTestId('adj-thresholds-shown')).toHaveText('AU > 0 · EXPR > 0 · VA > 0.2');
  await expect(page.getByTestId('adj-policy')).toHaveText('policy consensus');

  // frame 5: ann and bob side by side, no consensus (tie); pick bob's label with its button
  await r.press('q');
  await expect(r.frameIndex).toHaveText('5');
  await expect(panel).toHaveAttribute('data-frame', '5');
  await expect(panel.getByTestId('adj-value-expr-ann')).toHaveText('Happiness');
  await expect(panel.getByTestId('adj-value-expr-bob')).toHaveText('Sadness');
  await expect(panel.getByTestId('adj-resolved-expr')).toHaveAttribute('data-outcome', 'tie');
  await screenshot(page, 'adjudication-tie');
  await panel.getByTestId('adj-pick-expr-bob').click();
  await expect(panel.getByTestId('adj-provenance-expr')).toContainText('Adjudicated by carol, from bob');
  await expect(panel.getByTestId('adj-resolved-expr')).toHaveAttribute('data-merged-from', 'adjudicated');
  await expect(panel.getByTestId('adj-value-expr-carol-adjudicator')).toHaveText('Sadness');

  // frame 6: key 1 picks the first annotator (ann)
  await r.press('q');
  await expect(r.frameIndex).toHaveText('6');
  await expect(panel).toHaveAttribute('data-frame', '6');
  await r.press('1');
  await expect(panel.getByTestId('adj-provenance-expr')).toContainText('Adjudicated by carol, from ann');

  // frame 7: a value of the adjudicator's own (Neutral)
  await r.press('q');
  await expect(r.frameIndex).toHaveText('7');
  await expect(panel).toHaveAttribute('data-frame', '7');
  await panel.getByTestId('adj-set-expr').selectOption('0');
  await panel.getByTestId('adj-set-expr-apply').click();
  await expect(panel.getByTestId('adj-provenance-expr')).toContainText('Adjudicated by carol, a value of their own');
  await expect(page.getByTestId('adj-open-here')).toHaveAttribute('data-open', '1');
  await screenshot(page, 'adjudication-decided');

  // Ctrl+Z: the adjudicator's own undo takes the last decision back in one step; Ctrl+Shift+Z redoes it
  await r.press('Control+z');
  await expect(r.toast).toContainText('Undid “Adjudicate EXPR: set value”');
  await expect(panel.getByTestId('adj-provenance-expr')).toHaveCount(0);
  await expect(page.getByTestId('adj-open-here')).toHaveAttribute('data-open', '2');
  await r.press('Control+Shift+Z');
  await expect(panel.getByTestId('adj-provenance-expr')).toContainText('Adjudicated by carol, a value of their own');
  await expect(page.getByTestId('adj-open-here')).toHaveAttribute('data-open', '1');

  // the annotator's label keys are held back in adjudicator mode: Shift+5 writes nothing
  await r.press('Shift+Digit5');
  await expect(r.toast).toContainText('Adjudicating');

  // the last disagreement is the VA of frame 20, then nothing after it
  await r.press('q');
  await expect(r.frameIndex).toHaveText('20');
  await expect(panel.getByTestId('adj-task-va')).toHaveAttribute('data-status', 'open');
  await r.press('q');
  await expect(r.toast).toContainText('No next disagreement');

  // the resolved rows: adjudicated by carol, with the values decided
  const db = workbench.backend.currentProject!.db;
  const resolvedSql = `SELECT f.idx, l.expr, l.merged_from AS mergedFrom, l.author FROM labels l JOIN frames f ON f.id = l.frame_id
       WHERE f.media_id = ? AND l.task = 'expr' AND l.layer = 'human' ORDER BY f.idx`;
  const rows = db.prepare(resolvedSql).all(seed.mediaId);
  expect(rows).toEqual([
    { idx: 5, expr: 5, mergedFrom: 'adjudicated', author: 'carol' },
    { idx: 6, expr: 4, mergedFrom: 'adjudicated', author: 'carol' },
    { idx: 7, expr: 0, mergedFrom: 'adjudicated', author: 'carol' },
  ]);

  // File → Export…: the merged CSV has the adjudicated values with their source
  const out = workbench.dir('exports/adjudicated.csv');
  await page.keyboard.press('Control+E');
  const exp = new ExportDialogPO(page);
  await expect(exp.root.getByTestId('dialog-title')).toHaveText('Export labels');
  await exp.field('out').fill(out);
  await exp.field('model').selectOption('none');
  await exp.field('submit').click();
  await exp.job.toEnd('done');
  const got = parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
  const at = (i: number) => got.find((g) => g.frame === String(i))!;
  expect([5, 6, 7].map((i) => [at(i).expression, at(i).expr_source])).toEqual([
    ['Sadness', EXPECTED_SOURCE],
    ['Happiness', EXPECTED_SOURCE],
    ['Neutral', EXPECTED_SOURCE],
  ]);

  // the project's merge policy, chosen on the project screen: bob's layer alone (adjudication does not apply)
  await page.keyboard.press('Escape');
  await page.goto(`${workbench.url}#/`);
  const policy = page.getByTestId('annotator-policy');
  await expect(policy.getByTestId('annotator-policy-shown')).toContainText('In force: consensus');
  await expect(policy.getByTestId('annotator-list')).toContainText('carol');
  await policy.getByTestId('annotator-policy-select').selectOption('annotator:bob');
  await policy.getByTestId('annotator-policy-apply').click();
  await expect(policy.getByTestId('annotator-policy-shown')).toContainText("only bob's labels");
  await screenshot(page, 'adjudication-policy');
  expect(db.prepare(`SELECT value FROM meta WHERE key = 'annotator_policy'`).pluck().get()).toBe('annotator:bob');
  expect(db.prepare(resolvedSql).all(seed.mediaId)).toEqual([5, 6, 7].map((idx) => ({ idx, expr: 5, mergedFrom: 'annotator', author: 'bob' })));
});

/** What the export writes as the source of an adjudicated label (src/node/export/merge.ts humanSource). */
const EXPECTED_SOURCE = 'adjudicated';
