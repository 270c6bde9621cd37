// The Results tab after `npm run demo` (issue 16): on a project holding the demo's stored
// evaluations (tests/e2e/results-seed.ts), the tab opens on the demo's test split and shows one
// Table 2 per reference — against the ground truth present in the split and against the demo's
// complete truth — each captioned with what it is measured against, the split and the frames per
// task, with the figures the demo prints (src/cli/format-engine.ts formatTable2 on the same rows);
// the training split shows the label-completion table.
import { expect, loadNode, screenshot, test } from './fixtures';
import { HomePO } from './pages/home';
import { ResultsPO } from './pages/training-jobs';
import { SEEDED_TABLES, seedResultsProject } from './results-seed';

test('Results: each Table 2 says what it is measured against, its split and frames per task, with the figures the demo prints', async ({ app: page, workbench }) => {
  const dir = workbench.dir('demo-project');
  await seedResultsProject(dir);
  await new HomePO(page).openFromForm(dir);
  await expect(page.getByTestId('project-name')).toHaveText('Affect Workbench demo');
  await page.getByTestId('nav-training').click();
  await page.getByTestId('training-tab-results').click();
  const results = new ResultsPO(page);

  // Nothing is evaluated where the tab points by default (all datasets / val): it opens on the demo's test split.
  await expect(page.getByTestId('results-dataset')).toHaveValue('demo');
  await expect(page.getByTestId('results-split')).toHaveValue('test');
  await expect(results.groups).toHaveCount(2);
  expect(await results.groups.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-reference')))).toEqual(['labels', 'complete-truth']);
  await expect(page.getByTestId('table2-references')).toContainText("The demo knows every frame's complete truth");

  const labels = results.group('labels', 'labelled');
  await expect(labels.getByTestId('table2-caption')).toHaveText('Measured against the ground truth present in the split — demo / test split, each task on the frames labelled for it.');
  await expect(labels.getByTestId('table2-counts')).toHaveText('Frames with a label in the reference: AU 200, EXPR 400, VA 0.');
  // The test split's labels have no valence/arousal: n/a, not 0.
  await expect(labels.getByTestId('table2-row').first().getByTestId('t2-valence')).toHaveText('n/a');
  const truth = results.group('complete-truth', 'all');
  await expect(truth.getByTestId('table2-caption')).toHaveText("Measured against the demo's complete truth — demo / test split, every task on every frame.");
  await expect(truth.getByTestId('table2-counts')).toHaveText('Frames with a label in the reference: AU 600, EXPR 600, VA 600.');

  // Figure for figure what the demo prints from the same stored evaluations.
  const { Project, demoTables, formatTable2 } = await loadNode();
  const p = Project.open(dir);
  const tables = demoTables(p.db);
  p.close();
  expect(tables.map((t) => [t.reference, t.measuredOn, t.split])).toEqual(SEEDED_TABLES.map((t) => [t.reference, t.measuredOn, t.split]));
  const expectPrinted = async (t: (typeof tables)[number]) => {
    const printed = formatTable2(t).split('\n');
    const g = results.group(t.reference, t.measuredOn);
    await expect(g.getByTestId('table2-caption')).toHaveText(printed[0]);
    await expect(g.getByTestId('table2-counts')).toHaveText(printed[1].trim());
    const body = printed.slice(3);
    await expect(g.getByTestId('table2-row')).toHaveCount(body.length);
    for (const [k, line] of body.entries()) {
      const shown = await g.getByTestId('table2-row').nth(k).locator('[data-testid^="t2-"]').allInnerTexts();
      expect(shown, `row ${k} of ${t.reference}/${t.measuredOn}`).toEqual(line.trim().split(/\s+/).slice(-4));
    }
  };
  for (const t of tables.filter((x) => x.split === 'test')) await expectPrinted(t);
  await screenshot(page, 'results-demo-test');

  // The ensemble of the complete-truth table is detailed when clicked, and says what it is measured against.
  await truth.getByTestId('table2-row').last().click();
  await expect(page.getByTestId('evaluation-detail')).toContainText("against the demo's complete truth");

  // The training split: the label-completion table only.
  await page.getByTestId('results-split').selectOption('train');
  await expect(results.groups).toHaveCount(1);
  const completion = results.group('complete-truth', 'unlabelled');
  await expect(completion.getByTestId('table2-caption')).toHaveText(
    "Measured against the demo's complete truth — demo / train split, each task on the frames that had no label for it (label completion).",
  );
  await expect(completion.getByTestId('table2-counts')).toHaveText('Frames with a label in the reference: AU 1,400, EXPR 1,000, VA 1,800.');
  await expectPrinted(tables.find((t) => t.split === 'train')!);
  await screenshot(page, 'results-demo-train');

  // A split the user picks stays picked, even with nothing in it.
  await page.getByTestId('results-split').selectOption('val');
  await expect(page.getByTestId('table2-empty')).toBeVisible();
  await expect(page.getByTestId('results-split')).toHaveValue('val');
});
