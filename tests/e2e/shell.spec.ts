// The renderer shell against the real backend in browser mode: projects from the menu and the home
// forms, recent projects across a reload, backend errors on screen, the dataset overview, the
// commands that later issues implement, and the compute backend probe job.
import fs from 'node:fs';
import path from 'node:path';
import { expect, screenshot, test } from './fixtures';
import { HomePO } from './pages/home';
import { DialogPO, ErrorsPO, MenuBarPO } from './pages/menu';
import { TrainingPO } from './pages/training';
import { SEED_DATASET, SEED_MEDIA, seedProject } from './seed';

test('File → New project… creates and opens a project that survives a reload', async ({ app: page, workbench }) => {
  const home = new HomePO(page);
  const menu = new MenuBarPO(page);
  const dialog = new DialogPO(page);
  await expect(page.getByTestId('recent-empty')).toBeVisible();
  await expect(page.getByTestId('status-transport')).toHaveText('HTTP');
  await expect(page.getByTestId('status-events')).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('status-version')).toHaveText(/^v\d+\.\d+\.\d+/);
  await screenshot(page, 'welcome');

  const dir = workbench.dir('study-a');
  await menu.choose('File', 'project.new');
  // Browser mode has no native folder chooser, so the dialog asks for the path.
  await expect(dialog.title).toHaveText('New project');
  await dialog.field('new-project-path').fill(dir);
  await dialog.field('new-project-name').fill('Study A');
  await dialog.field('new-project-submit').click();

  await expect(dialog.root).toHaveCount(0);
  await expect(home.projectName).toHaveText('Study A');
  await expect(home.projectDir).toHaveText(dir);
  await expect(page.getByTestId('datasets-empty')).toContainText('File → Import…');
  await expect(page.getByTestId('models-empty')).toBeVisible();
  await expect(home.recentItem(dir)).toContainText('Study A');
  expect(fs.existsSync(path.join(dir, 'project.sqlite'))).toBe(true);
  expect(workbench.backend.currentProject?.dir).toBe(dir);
  const recent = JSON.parse(fs.readFileSync(path.join(workbench.home, 'recent.json'), 'utf8')) as { projects: { dir: string }[] };
  expect(recent.projects.map((p) => p.dir)).toEqual([dir]);
  await screenshot(page, 'project-empty');

  await page.reload();
  await expect(page.getByTestId('app')).toHaveAttribute('data-booted', 'true');
  await expect(home.projectName).toHaveText('Study A');
  await expect(home.recentItem(dir)).toBeVisible();

  // Closing returns to the welcome screen, where the project is listed and opens again on a click.
  await menu.choose('File', 'project.close');
  await expect(home.projectName).toHaveCount(0);
  await expect(home.recentItems).toHaveCount(1);
  await home.recentItem(dir).click();
  await expect(home.projectName).toHaveText('Study A');
});

test('opening a folder without a project shows the backend error', async ({ app: page, workbench }) => {
  const dialog = new DialogPO(page);
  const errors = new ErrorsPO(page);
  const dir = workbench.dir('not-a-project');
  fs.mkdirSync(dir);

  // The accelerator of File → Open project… (CmdOrCtrl+O is Ctrl+O on Linux).
  await page.keyboard.press('Control+O');
  await expect(dialog.title).toHaveText('Open project');
  await dialog.field('open-project-path').fill(dir);
  await dialog.field('open-project-submit').click();

  await expect(errors.banners).toHaveCount(1);
  await expect(errors.banners).toContainText(`No project in ${dir} (missing project.sqlite).`);
  await expect(errors.banners).toHaveAttribute('data-code', 'not-found');
  // The dialog stays open so the path can be corrected.
  await expect(dialog.field('open-project-path')).toHaveValue(dir);
  await screenshot(page, 'open-error');

  await dialog.field('dialog-close').click();
  await errors.banners.getByTestId('error-dismiss').click();
  await expect(errors.banners).toHaveCount(0);

  // The same error from the home screen's form; invalid input is refused by the contract too.
  await new HomePO(page).openFromForm(dir);
  await expect(errors.banners).toContainText('missing project.sqlite');
  expect(workbench.backend.currentProject).toBeNull();
});

test('the home screen lists datasets with per-task label counts and their media', async ({ app: page, workbench }) => {
  const home = new HomePO(page);
  const dir = workbench.dir('seeded');
  await seedProject(dir, 'Seeded study');
  await home.openFromForm(dir);
  await expect(home.projectName).toHaveText('Seeded study');

  await expect(home.datasetRows).toHaveCount(1);
  const row = home.datasetRows.first();
  const sum = (k: 'frames' | 'au' | 'expr' | 'va') => SEED_MEDIA.reduce((a, m) => a + m[k], 0);
  await expect(row.getByTestId('dataset-name')).toHaveText(SEED_DATASET);
  await expect(row.getByTestId('dataset-frames')).toHaveText(sum('frames').toLocaleString('en-US'));
  await expect(row.getByTestId('dataset-splits')).toHaveText('train 600 · val 450');
  expect(await home.counts(row)).toEqual([sum('au'), sum('expr'), sum('va')].map((n) => n.toLocaleString('en-US')));
  await expect(row.getByTestId('count-au')).toContainText('38%'); // 400 of 1050
  await expect(page.getByTestId('model-row')).toHaveCount(1);

  await row.getByTestId('dataset-toggle').click();
  await expect(home.mediaRows).toHaveCount(SEED_MEDIA.length);
  for (const [i, m] of SEED_MEDIA.entries()) {
    const mr = home.mediaRows.nth(i);
    await expect(mr.getByTestId('media-link')).toHaveText(m.name);
    expect(await home.counts(mr)).toEqual([m.au, m.expr, m.va].map((n) => n.toLocaleString('en-US')));
  }
  await screenshot(page, 'project-datasets');

  await home.mediaRows.nth(1).getByTestId('media-link').click();
  await expect(page).toHaveURL(/#\/review\/\d+/);
  await expect(page.getByTestId('review-media-name')).toHaveText(SEED_MEDIA[1].name);
  // The seeded media have no files: the review screen says so instead of a blank player.
  await expect(page.getByTestId('media-missing')).toBeVisible();
  await screenshot(page, 'review-missing-media');
});

test('commands that later issues bring say so; view and help commands work from the keyboard', async ({ app: page }) => {
  const menu = new MenuBarPO(page);
  const dialog = new DialogPO(page);

  // Without a project, File → Import… and Export… are greyed out (with one: tests/e2e/import-export.spec.ts).
  await page.getByTestId('menu-File').click();
  await expect(menu.item('data.import')).toHaveAttribute('aria-disabled', 'true');
  await expect(menu.item('data.export')).toHaveAttribute('aria-disabled', 'true');
  await page.keyboard.press('Escape');
  await expect(menu.item('data.import')).toHaveCount(0);

  // Without a project, commands that need one are greyed out and do nothing (training: tests/e2e/training.spec.ts).
  await page.getByTestId('menu-Training').click();
  await expect(menu.item('jobs.probe')).toHaveAttribute('aria-disabled', 'true');
  await expect(menu.item('train.teacher')).toHaveAttribute('aria-disabled', 'true');
  await expect(menu.item('train.teacher')).toContainText('Train teacher…');
  await page.getByTestId('menu-File').hover(); // hovering another title switches menus
  await expect(menu.item('project.new')).toContainText('Ctrl+Shift+N');
  await screenshot(page, 'menu-file');
  await page.keyboard.press('Escape');
  await expect(menu.item('project.new')).toHaveCount(0);

  await page.keyboard.press('Control+3');
  await expect(page).toHaveURL(/#\/training$/);
  await expect(page.getByTestId('probe-button')).toBeDisabled();
  await page.keyboard.press('Control+1');
  await expect(page.getByTestId('screen-home')).toBeVisible();
  await page.keyboard.press('F1');
  await expect(dialog.title).toHaveText('Keyboard shortcuts');
  await expect(dialog.root.getByTestId('shortcuts-table')).toContainText('Ctrl+O');
});

test('the Training screen runs the probe job and shows the compute backend', async ({ app: page, workbench }) => {
  test.setTimeout(120_000);
  const home = new HomePO(page);
  const training = new TrainingPO(page);
  await home.createFromForm(workbench.dir('probe-project'), 'Probe');
  await expect(home.projectName).toHaveText('Probe');

  await page.getByTestId('nav-training').click();
  await expect(page.getByTestId('jobs-empty')).toBeVisible();
  await training.probeButton.click();
  // The job row appears and the result arrives through job.state events.
  await expect(training.jobRows).toHaveCount(1);
  // Wait for the outcome either way, so a failed probe fails the test with its message at once.
  await expect(training.probeResult.or(training.probeFailed)).toBeVisible({ timeout: 90_000 });
  await expect(training.probeFailed).toHaveCount(0);
  await expect(training.probeBackend).toHaveText(/^(tfjs-node-gpu|tfjs-node|wasm|cpu)$/);
  await expect(training.jobRows.first()).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('probe-forward')).toHaveText(/^\d+(\.\d)? ms$/);
  await expect(page.getByTestId('probe-backward')).toHaveText(/^\d+(\.\d)? ms$/);
  const backend = await training.probeBackend.innerText();
  await expect(training.jobRows.first()).toContainText(backend);
  await screenshot(page, 'training-probe');
});
