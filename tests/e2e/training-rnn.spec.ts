// The CNN-RNN from the Training menu against the real backend and worker processes in browser
// mode, on the engine fixture (rendered face sequences with partial labels): a tiny CNN teacher,
// then from the same dialog a CNN-RNN teacher on its frozen features (the model-type choice, the
// CNN-RNN's defaults and validation), its soft labels, two CNN-RNN students (Train students… on a
// CNN-RNN teacher starts 'train.rnn-students'), and the evaluation of both architectures side by
// side in Table 2 and the models list.
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { expect, ROOT, screenshot, test } from './fixtures';
import { HomePO } from './pages/home';
import { ErrorsPO, MenuBarPO } from './pages/menu';
import { JobsPO, ResultsPO, TrainDialogPO } from './pages/training-jobs';

type FixtureModule = typeof import('../unit/engine-fixture');

test('Training menu: a CNN-RNN teacher on a CNN’s features, its students, and both architectures in Table 2', async ({ app: page, workbench }) => {
  test.setTimeout(240_000);
  const menu = new MenuBarPO(page);
  const dialog = new TrainDialogPO(page);
  const jobs = new JobsPO(page);
  const results = new ResultsPO(page);
  const dir = workbench.dir('rnn');
  const mod = (await tsImport(path.join(ROOT, 'tests/unit/engine-fixture.ts'), import.meta.url)) as FixtureModule;
  (await mod.buildEngineFixture(dir, { videos: 6, frames: 16 })).close();
  await new HomePO(page).openFromForm(dir);
  await expect(page.getByTestId('project-name')).toHaveText('engine fixture');

  // A tiny CNN teacher: the dialog opens on the CNN.
  await menu.choose('Training', 'train.teacher');
  await expect(dialog.field('modelType')).toHaveValue('cnn');
  await expect(dialog.root.locator('form')).toHaveAttribute('data-model-type', 'cnn');
  await dialog.fill({ backbone: 'small', inputSize: '32', batch: '8', epochs: '1', maxStepsPerEpoch: '2' });
  await dialog.submit('train-submit');
  const cnnRun = await jobs.newest('train.teacher');
  await jobs.waitStatus(cnnRun, 'done');

  // Train teacher… → CNN-RNN: the CNN-RNN's defaults, the CNN preselected as the feature model.
  await menu.choose('Training', 'train.teacher');
  await dialog.fill({ modelType: 'cnn-rnn' });
  await expect(dialog.root.locator('form')).toHaveAttribute('data-model-type', 'cnn-rnn');
  for (const [k, v] of Object.entries({ window: '32', trainStride: '16', evalStride: '32', hidden: '64', epochs: '8', batch: '32', lr: '1e-4' }))
    await expect(dialog.field(k)).toHaveValue(v);
  await expect(dialog.field('featuresFrom')).toHaveValue('1');
  await expect(dialog.field('featuresFrom').locator('option[value="1"]')).toContainText('teacher-1 (#1, teacher, small) · default (no CNN student yet)');
  await expect(dialog.field('backbone')).toHaveCount(0);
  await screenshot(page, 'training-rnn-dialog');
  // The shared schema's cross-field rule refuses a stride beyond the window before anything starts.
  await dialog.fill({ trainStride: '40', hidden: '0' });
  await dialog.submit('train-submit');
  await expect(dialog.issue('trainStride')).toContainText('must not exceed the window (32)');
  await expect(dialog.issue('hidden')).toBeVisible();
  await expect(page.locator('[data-testid="job-row"][data-kind="train.rnn-teacher"]')).toHaveCount(0);
  // The strides follow the window until one is typed; once typed, both stay as they are.
  await dialog.fill({ trainStride: '16', window: '64' });
  await expect(dialog.field('trainStride')).toHaveValue('16');
  await expect(dialog.field('evalStride')).toHaveValue('32');
  await dialog.fill({ window: '32', hidden: '16', epochs: '1', batch: '4' });
  await dialog.submit('train-submit');
  await expect(dialog.root).toHaveCount(0);
  const rnnRun = await jobs.newest('train.rnn-teacher');
  await expect(jobs.row(rnnRun)).toContainText('CNN-RNN teacher · features of #1');
  await jobs.waitStatus(rnnRun, 'done');
  const detail = jobs.detailOf(rnnRun);
  await expect(detail.getByTestId('job-model')).toHaveText('model #2');
  await expect(detail.getByTestId('epoch-row')).toHaveCount(1);
  await expect(detail.getByTestId('epoch-table')).toContainText('Windows/s');
  await expect(detail.getByTestId('loss-chart')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(detail.getByTestId('job-log')).toContainText('CNN-RNN teacher rnn-teacher-2: head embeddings of teacher-1');
  await expect(detail.getByTestId('job-log')).toContainText('epoch 1/1');
  await screenshot(page, 'training-rnn-teacher-done');

  // Its soft labels (the dialog offers the newest teacher), then Train students… opens on the CNN-RNN.
  await menu.choose('Training', 'train.softLabels');
  await expect(dialog.field('model')).toHaveValue('2');
  await dialog.submit('soft-labels-submit');
  await jobs.waitStatus(await jobs.newest('soft-labels'), 'done');
  await menu.choose('Training', 'train.students');
  await expect(dialog.field('modelType')).toHaveValue('cnn-rnn');
  await expect(dialog.field('teacher')).toHaveValue('2');
  await expect(dialog.field('count')).toHaveValue('5');
  await expect(dialog.field('featuresFrom')).toHaveCount(0);
  await dialog.fill({ count: '2', epochs: '1', hidden: '16', batch: '4' });
  await screenshot(page, 'training-rnn-students-dialog');
  await dialog.submit('train-submit');
  const students = await jobs.newest('train.rnn-students');
  await expect(jobs.row(students)).toContainText('CNN-RNN students ×2 of #2');
  await jobs.waitStatus(students, 'done');

  // Evaluate… proposes the newest teacher's family (the CNN-RNN one); add the CNN teacher beside it.
  await menu.choose('Training', 'train.evaluate');
  await expect(dialog.field('models').locator('input:checked')).toHaveCount(4);
  await dialog.field('models').locator('label', { hasText: 'teacher-1 (#1' }).locator('input').check();
  await dialog.submit('evaluate-submit');
  const evals = page.locator('[data-testid="job-row"][data-kind="evaluate"]');
  await expect(evals).toHaveCount(5);
  for (const row of await evals.all()) await jobs.waitStatus(Number(await row.getAttribute('data-job-id')), 'done');

  await page.getByTestId('training-tab-results').click();
  await expect(results.rows).toHaveCount(5);
  expect(await results.rows.evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-arch')} ${r.getAttribute('data-kind')}`))).toEqual([
    'cnn teacher',
    'cnn-rnn teacher',
    'cnn-rnn student',
    'cnn-rnn student',
    'cnn-rnn ensemble',
  ]);
  await expect(results.rows.nth(1).getByTestId('model-arch')).toHaveText('CNN-RNN');
  await expect(results.rows.nth(0).getByTestId('model-arch')).toHaveText('CNN');
  for (const col of ['au', 'expr', 'valence', 'arousal']) await expect(results.rows.nth(4).getByTestId(`t2-${col}`)).toHaveText(/^-?\d\.\d{4}$/);
  await expect(results.model(2)).toHaveAttribute('data-arch', 'cnn-rnn');
  await expect(results.model(2).getByTestId('model-features')).toContainText('features of #1');
  await expect(results.model(1).getByTestId('model-arch')).toHaveText('CNN');
  await screenshot(page, 'training-rnn-results');

  // The CNN-RNN is a review overlay like any model; its feature CNN cannot go while it reads it.
  await page.getByTestId('dashboard-models').scrollIntoViewIfNeeded();
  await results.model(5).getByTestId('model-review').click();
  await expect(results.model(5).getByTestId('model-review')).toBeChecked();
  expect(await workbench.backend.handlers['models.reviewModel']({})).toEqual({ modelId: 5 });
  await results.model(1).getByTestId('model-delete').click();
  await results.model(1).getByTestId('model-delete-yes').click();
  await expect(new ErrorsPO(page).banners).toContainText('gives the features of the CNN-RNN model');
  await screenshot(page, 'training-rnn-models');
});
