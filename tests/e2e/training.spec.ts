// Training from the menu against the real backend and worker processes in browser mode, on a small
// project of rendered faces with partial labels (tests/unit/engine-fixture.ts): a teacher run with
// live progress, a second run cancelled, soft labels, two students, evaluation filling Table 2,
// the models dashboard; and a cancelled run resumed from its checkpoint after a reload.
import fs from 'node:fs';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { expect, ROOT, screenshot, test } from './fixtures';
import { HomePO } from './pages/home';
import { ErrorsPO, MenuBarPO } from './pages/menu';
import { JobsPO, ResultsPO, TrainDialogPO } from './pages/training-jobs';
import type { Page } from '@playwright/test';

type FixtureModule = typeof import('../unit/engine-fixture');

/** Builds the engine fixture project (through tsx, like the backend) and opens it in the app. */
async function openFixture(page: Page, dir: string, frames = 16): Promise<void> {
  const mod = (await tsImport(path.join(ROOT, 'tests/unit/engine-fixture.ts'), import.meta.url)) as FixtureModule;
  (await mod.buildEngineFixture(dir, { videos: 6, frames })).close();
  await new HomePO(page).openFromForm(dir);
  await expect(page.getByTestId('project-name')).toHaveText('engine fixture');
}

/** Settings that make each run take seconds: the small backbone on 32-px crops, a few steps per epoch. */
const QUICK = { backbone: 'small', inputSize: '32', batch: '8' };

test('Training menu: teacher with live progress, a cancelled second run, soft labels, two students, Table 2, models', async ({ app: page, workbench }) => {
  test.setTimeout(240_000);
  const menu = new MenuBarPO(page);
  const dialog = new TrainDialogPO(page);
  const jobs = new JobsPO(page);
  const results = new ResultsPO(page);
  const dir = workbench.dir('study');
  await openFixture(page, dir);

  // Train teacher…: the paper's defaults, then validation refuses a bad value before anything starts.
  await menu.choose('Training', 'train.teacher');
  await expect(page).toHaveURL(/#\/training$/);
  await expect(dialog.root.getByTestId('dialog-title')).toHaveText('Train teacher');
  await expect(dialog.field('epochs')).toHaveValue('8');
  await expect(dialog.field('lr')).toHaveValue('1e-4');
  await expect(dialog.field('lrDivisor')).toHaveValue('10');
  await expect(dialog.field('lrStepEpochs')).toHaveValue('3');
  await expect(dialog.field('batch')).toHaveValue('32');
  await expect(dialog.field('balanceAu')).toBeChecked();
  // The pretrained face backbone by default; a backbone from random weights shows its time estimate first.
  await expect(dialog.field('backbone')).toHaveValue('face');
  await expect(dialog.field('inputSize')).toHaveValue('112');
  await expect(dialog.field('tta')).toHaveValue('none');
  await expect(dialog.root.getByTestId('backbone-estimate')).toHaveAttribute('data-from-scratch', 'false');
  await screenshot(page, 'training-dialog-teacher');
  await dialog.fill({ backbone: 'resnet18' });
  const estimate = dialog.root.getByTestId('backbone-estimate');
  await expect(estimate).toHaveAttribute('data-from-scratch', 'true');
  await expect(estimate).toContainText(/resnet18 from random weights: about 2\.5 images\/s .+ for 8 epochs of [\d,]+ frames; the pretrained face backbone/);
  await screenshot(page, 'training-dialog-estimate');
  await dialog.fill({ ...QUICK, epochs: '0', lr: 'fast' });
  await dialog.submit('train-submit');
  await expect(dialog.issue('epochs')).toBeVisible();
  await expect(dialog.issue('lr')).toContainText('not a number');
  await dialog.fill({ backbone: 'face' });
  await dialog.fill({ inputSize: '32', epochs: '2', lr: '1e-3', maxStepsPerEpoch: '6' });
  await dialog.submit('train-submit');
  await expect(dialog.issue('inputSize')).toContainText('112');
  await expect(jobs.rows).toHaveCount(0);
  await dialog.fill({ backbone: 'small', inputSize: '32' });
  await dialog.submit('train-submit');
  await expect(dialog.root).toHaveCount(0);
  await expect(jobs.rows).toHaveCount(1);
  const first = await jobs.newest('train.teacher');

  // A second run queues behind the first (one job at a time) and is cancelled.
  await menu.choose('Training', 'train.teacher');
  await dialog.fill({ ...QUICK, epochs: '1', maxStepsPerEpoch: '2' });
  await dialog.submit('train-submit');
  await expect(jobs.rows).toHaveCount(2);
  const second = await jobs.newest('train.teacher');
  expect(second).toBeGreaterThan(first);
  await jobs.row(second).getByTestId('job-cancel').click();
  await jobs.waitStatus(second, 'cancelled');

  // The first run's progress arrives as events: the progress line, then the live loss curve.
  await jobs.row(first).click();
  const detail = jobs.detailOf(first);
  await expect(detail.getByTestId('job-progress-text')).toContainText('epoch', { timeout: 60_000 });
  await screenshot(page, 'training-running');
  await jobs.waitStatus(first, 'done');
  // 2 epochs × 6 steps: one point per step event, 2 epoch rows from the run's record, the log.
  await expect(detail.getByTestId('loss-chart')).toHaveAttribute('data-points', '12');
  await expect(detail.getByTestId('epoch-row')).toHaveCount(2);
  await expect(detail.getByTestId('epoch-chart')).toHaveAttribute('data-points', '2');
  await expect(detail.getByTestId('job-log')).toContainText('epoch 2/2');
  await expect(detail.getByTestId('job-model')).toHaveText('model #1');
  await screenshot(page, 'training-teacher-done');

  // Generate soft labels… for the teacher (the dialog offers the newest teacher).
  await menu.choose('Training', 'train.softLabels');
  await expect(dialog.field('model')).toHaveValue('1');
  await dialog.submit('soft-labels-submit');
  await jobs.waitStatus(await jobs.newest('soft-labels'), 'done');

  // Train students…: two students of the teacher, then their ensemble.
  await menu.choose('Training', 'train.students');
  await expect(dialog.field('epochs')).toHaveValue('3');
  await expect(dialog.field('count')).toHaveValue('5');
  await expect(dialog.field('lambda')).toHaveValue('0.6');
  await expect(dialog.field('temperature')).toHaveValue('1.5');
  await expect(dialog.field('teacher')).toHaveValue('1');
  // The students take the teacher's backbone, input size and freezing (the small one at 32 px, fine-tuned).
  await expect(dialog.field('backbone')).toHaveValue('small');
  await expect(dialog.field('inputSize')).toHaveValue('32');
  await expect(dialog.field('freezeBackbone')).not.toBeChecked();
  // Flip TTA: every inference of the students (and so of their ensemble) averages the face and its mirror image.
  await dialog.fill({ ...QUICK, count: '2', epochs: '1', maxStepsPerEpoch: '3', tta: 'flip' });
  await dialog.submit('train-submit');
  const students = await jobs.newest('train.students');
  await jobs.waitStatus(students, 'done');
  await expect(jobs.detailOf(students).getByTestId('loss-chart')).toHaveAttribute('data-points', '6');
  await screenshot(page, 'training-students-done');

  // Evaluate…: the teacher's family (teacher, 2 students, ensemble) on val, one queued job each.
  await menu.choose('Training', 'train.evaluate');
  await expect(dialog.field('models').locator('input:checked')).toHaveCount(4);
  await dialog.submit('evaluate-submit');
  await expect(page.locator('[data-testid="job-row"][data-kind="evaluate"]')).toHaveCount(4);
  for (const row of await page.locator('[data-testid="job-row"][data-kind="evaluate"]').all()) await jobs.waitStatus(Number(await row.getAttribute('data-job-id')), 'done');

  await page.getByTestId('training-tab-results').click();
  await expect(results.rows).toHaveCount(4);
  expect(await results.rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-kind')))).toEqual(['teacher', 'student', 'student', 'ensemble']);
  for (const col of ['au', 'expr', 'valence', 'arousal']) await expect(results.rows.first().getByTestId(`t2-${col}`)).toHaveText(/^-?\d\.\d{4}$/);
  await expect(results.rows.nth(0)).toContainText('Teacher');
  await expect(results.rows.nth(3)).toContainText('Student Ensemble');
  // The ensemble is detailed first: its confusion matrix counts every labelled val frame (2 val videos × 16).
  const detailPanel = page.getByTestId('evaluation-detail');
  await expect(detailPanel).toHaveAttribute('data-model-id', '4');
  const cells = await detailPanel.getByTestId('confusion-cell').allInnerTexts();
  expect(cells.length).toBe(49);
  expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(32);
  await expect(detailPanel.getByTestId('scatter-valence')).toHaveAttribute('data-points', '32');
  await expect(page.getByTestId('per-au').locator('tbody tr')).toHaveCount(4);
  await screenshot(page, 'training-results');
  await results.rows.nth(1).click();
  await expect(detailPanel).toHaveAttribute('data-model-id', '2');
  await page.getByTestId('evaluation-detail').scrollIntoViewIfNeeded();
  await screenshot(page, 'training-results-detail');

  // Models: review overlay choice, rename, a refused delete, a real one.
  await page.getByTestId('dashboard-models').scrollIntoViewIfNeeded();
  await results.model(4).getByTestId('model-review').click();
  await expect(results.model(4).getByTestId('model-review')).toBeChecked();
  expect(await workbench.backend.handlers['models.reviewModel']({})).toEqual({ modelId: 4 });
  await results.model(2).getByTestId('model-rename').click();
  await results.model(2).getByTestId('model-rename-input').fill('student A');
  await results.model(2).getByTestId('model-rename-save').click();
  await expect(results.model(2).getByTestId('model-name')).toHaveText('student A');
  await results.model(2).getByTestId('model-delete').click();
  await results.model(2).getByTestId('model-delete-yes').click();
  await expect(new ErrorsPO(page).banners).toContainText('member of the ensemble');
  await new ErrorsPO(page).banners.getByTestId('error-dismiss').click();
  await results.model(4).getByTestId('model-delete').click();
  await expect(results.model(4).getByTestId('model-delete-confirm')).toContainText('soft labels');
  await screenshot(page, 'training-models-delete');
  await results.model(4).getByTestId('model-delete-yes').click();
  await expect(results.model(4)).toHaveCount(0);
  await expect(results.rows).toHaveCount(3);
  expect(fs.existsSync(path.join(dir, 'models', '4'))).toBe(false);
  expect(await workbench.backend.handlers['models.reviewModel']({})).toEqual({ modelId: null });

  // A job that fails says why: the fixture has no test split.
  await menu.choose('Training', 'train.evaluate');
  await dialog.field('models').locator('input:checked').nth(1).uncheck();
  await dialog.field('models').locator('input:checked').nth(1).uncheck();
  await expect(dialog.field('models').locator('input:checked')).toHaveCount(1);
  await dialog.fill({ split: 'test' });
  await dialog.submit('evaluate-submit');
  // The results tab follows the evaluation to its split (nothing there until a test evaluation succeeds).
  await expect(page.getByTestId('results-split')).toHaveValue('test');
  await expect(page.getByTestId('table2-empty')).toBeVisible();
  await page.getByTestId('training-tab-jobs').click();
  await expect(page.locator('[data-testid="job-row"][data-kind="evaluate"]')).toHaveCount(5);
  const failed = await jobs.newest('evaluate');
  await jobs.waitStatus(failed, 'failed');
  await expect(jobs.row(failed).getByTestId('job-row-error')).toContainText('no frames to evaluate');

  // After a reload the list comes from the project: the cancelled run, the failed one with its reason, every finished one.
  await page.reload();
  await expect(page.getByTestId('app')).toHaveAttribute('data-booted', 'true');
  await expect(jobs.rows).toHaveCount(9); // 2 teachers, soft labels, students, 5 evaluations
  await expect(jobs.row(second)).toHaveAttribute('data-status', 'cancelled');
  await expect(jobs.row(failed).getByTestId('job-row-error')).toContainText('no frames to evaluate');
  await screenshot(page, 'training-jobs-after-reload');
  await jobs.row(first).click();
  await expect(jobs.detailOf(first).getByTestId('epoch-row')).toHaveCount(2);
  await expect(jobs.detailOf(first).getByTestId('job-log')).toContainText('epoch 2/2');
});

test('a cancelled teacher run resumes from its checkpoint, with its log and epochs after a reload', async ({ app: page, workbench }) => {
  test.setTimeout(180_000);
  const menu = new MenuBarPO(page);
  const dialog = new TrainDialogPO(page);
  const jobs = new JobsPO(page);
  // 150 frames per video, epochs of 150 steps at batch 4 (~5 s each here): once the first epoch is
  // checkpointed, two more leave ~10 s to cancel in, however fast the steps have become (at 80
  // steps and 2 epochs the run once finished before the click landed).
  await openFixture(page, workbench.dir('resume'), 150);

  await menu.choose('Training', 'train.teacher');
  await dialog.fill({ ...QUICK, batch: '4', epochs: '3', maxStepsPerEpoch: '150' });
  await dialog.submit('train-submit');
  const run = await jobs.newest('train.teacher');
  const detail = jobs.detailOf(run);
  // Cancel once the first epoch is checkpointed (its row is recorded), while the second runs.
  await expect(detail.getByTestId('epoch-row')).toHaveCount(1, { timeout: 90_000 });
  await expect(detail.getByTestId('job-rate')).toContainText('images/s');
  await detail.getByTestId('detail-cancel').click();
  await jobs.waitStatus(run, 'cancelled');
  await expect(detail.getByTestId('job-log')).toContainText('the last checkpoint is kept');

  await page.reload();
  await expect(page.getByTestId('app')).toHaveAttribute('data-booted', 'true');
  await jobs.row(run).click();
  // The cancel landed in epoch 2 or, on a fast machine, in epoch 3: the epochs checkpointed before it stay.
  await expect(detail.getByTestId('epoch-row').first()).toBeVisible();
  const kept = await detail.getByTestId('epoch-row').count();
  expect([1, 2]).toContain(kept);
  await expect(detail.getByTestId('job-log')).toContainText(`epoch ${kept}/3`);
  await screenshot(page, 'training-cancelled');
  await detail.getByTestId('job-resume').click();
  await expect(jobs.rows).toHaveCount(2);
  const resumed = await jobs.newest('train.teacher');
  expect(resumed).toBeGreaterThan(run);
  await jobs.waitStatus(resumed, 'done');
  await expect(jobs.detailOf(resumed).getByTestId('job-log')).toContainText(`resuming from the checkpoint after epoch ${kept}`);
  // The resumed run trains the epochs after the checkpoint only.
  await expect(jobs.detailOf(resumed).getByTestId('epoch-row')).toHaveCount(3 - kept);
  await expect(jobs.detailOf(resumed).getByTestId('epoch-row').first().locator('td').first()).toHaveText(String(kept + 1));
  expect(workbench.backend.jobs.get(resumed)?.params.resume).toBe(1);
});
