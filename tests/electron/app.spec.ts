// The desktop app itself: the built main process, the sandboxed CommonJS preload and the renderer on
// the aw-app:// scheme, started by Playwright's Electron driver. Opens a project, steps a video
// frame, makes and undoes one correction, and starts and cancels a training job from the native
// application menu. Runs with `npm run test:electron` where the Electron binary is installed.
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../e2e/fixtures';
import { HomePO } from '../e2e/pages/home';
import { ReviewPO } from '../e2e/pages/review';
import { JobsPO, TrainDialogPO } from '../e2e/pages/training-jobs';
import { seedReviewProject } from '../e2e/review-seed';
import { tsImport } from 'tsx/esm/api';

type FixtureModule = typeof import('../unit/engine-fixture');

let app: ElectronApplication | null = null;
let tmp = '';

test.afterEach(async () => {
  await app?.close();
  app = null;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Clicks a native menu item by its menu and label, as a user choosing it. */
async function chooseMenu(a: ElectronApplication, menu: string, label: string): Promise<void> {
  await a.evaluate(
    ({ Menu, BrowserWindow }, where) => {
      const top = Menu.getApplicationMenu()?.items.find((m) => m.label === where.menu);
      const item = top?.submenu?.items.find((i) => i.label === where.label);
      if (!item) throw new Error(`no menu item ${where.menu} → ${where.label}`);
      item.click(undefined, BrowserWindow.getAllWindows()[0], undefined);
    },
    { menu, label },
  );
}

test('desktop app: open a project, step a frame, correct and undo, start and cancel a job from the menu', async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-electron-'));
  const home = path.join(tmp, 'aw-home');
  fs.mkdirSync(home);
  const seed = await seedReviewProject(path.join(tmp, 'project'), { frames: 120 });

  app = await electron.launch({ args: [ROOT], cwd: ROOT, env: { ...process.env, AW_HOME: home } });
  const page = await app.firstWindow();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await expect(page.getByTestId('app')).toHaveAttribute('data-booted', 'true');

  // The page comes from the app's own scheme, and the sandboxed preload gave it window.api only.
  expect(page.url()).toMatch(/^aw-app:\/\/app\//);
  expect(await page.evaluate('typeof window.api')).toBe('object');
  expect(await page.evaluate('typeof window.require')).toBe('undefined');
  expect(await page.evaluate('typeof process')).toBe('undefined');
  // Open the project, then its video in the review screen at frame 10; → steps one frame.
  await new HomePO(page).openFromForm(seed.dir);
  await expect(page.getByTestId('project-name')).toBeVisible();
  await page.evaluate(`location.hash = '#/review/${seed.mediaId}?frame=10'`);
  const r = new ReviewPO(page);
  await expect(r.screen).toBeVisible();
  await r.settled();
  await expect(r.frameIndex).toHaveText('10');
  await r.press('ArrowRight');
  await r.settled();
  await expect(r.frameIndex).toHaveText('11');
  expect(await r.pixelIndex()).toBe(11);
  // The decoded-frame window reads the file through aw-media:// by range (CSP connect-src allows it).
  await expect(page.locator('.rv-picture')).toHaveAttribute('data-decoder', 'on');

  // One correction (key 5: AU12 present), then Ctrl+Z undoes it.
  // The first label asks who is annotating (remembered per machine); the edit waits for the answer.
  await r.press('5');
  await expect(page.getByTestId('dialog-title')).toHaveText('Who is annotating?');
  await page.getByTestId('annotator-name').fill('desktop-tester');
  await page.getByTestId('annotator-save').click();
  await expect(page.getByTestId('status-annotator')).toHaveText('annotator: desktop-tester');
  await expect(r.panel.getByTestId('au-AU12')).toHaveAttribute('data-value', '1');
  await r.press('Control+z');
  await expect(r.panel.getByTestId('au-AU12')).not.toHaveAttribute('data-value', '1');

  // A project of rendered faces with partial labels (the training e2e test's fixture), then
  // Training → Train teacher… from the native menu starts a job and the jobs panel cancels it.
  const fixture = (await tsImport(path.join(ROOT, 'tests/unit/engine-fixture.ts'), import.meta.url)) as FixtureModule;
  const studyDir = path.join(tmp, 'study');
  (await fixture.buildEngineFixture(studyDir, { videos: 6, frames: 16 })).close();
  await chooseMenu(app, 'File', 'Close project');
  await page.evaluate(`location.hash = '#/'`);
  await new HomePO(page).openFromForm(studyDir);
  await expect(page.getByTestId('project-name')).toHaveText('engine fixture');
  await chooseMenu(app, 'Training', 'Train teacher…');
  const dialog = new TrainDialogPO(page);
  await expect(dialog.root.getByTestId('dialog-title')).toHaveText('Train teacher');
  await dialog.fill({ backbone: 'small', inputSize: '32', batch: '8', epochs: '50' });
  await dialog.submit('train-submit');
  const jobs = new JobsPO(page);
  await expect(jobs.rows).toHaveCount(1);
  const jobId = await jobs.newest('train.teacher');
  await expect(jobs.row(jobId)).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await jobs.row(jobId).getByTestId('job-cancel').click();
  await jobs.waitStatus(jobId, 'cancelled');

  await page.screenshot({ path: path.join(ROOT, 'test-results', 'electron', 'app.png') });
  expect(problems).toEqual([]);
});
