// Browser mode (issue 16 items 11 and 12): File → Export… with a plain file name writes into the
// project's exports folder on the server and the browser downloads the file (GET /exports/<name>);
// the download is the header-first CSV, byte for byte, and the sidecar has its own link. A recent
// project whose folder was deleted leaves the list when opening it fails.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect, screenshot, test } from './fixtures';
import { ExportDialogPO } from './pages/data';
import { HomePO } from './pages/home';
import { MenuBarPO } from './pages/menu';
import { SEED_MEDIA, seedProject } from './seed';

test('File → Export… in browser mode downloads the CSV from the exports folder', async ({ app: page, workbench }) => {
  const home = new HomePO(page);
  const dir = workbench.dir('seeded');
  await seedProject(dir, 'Seeded study');
  await home.openFromForm(dir);
  await expect(home.projectName).toHaveText('Seeded study');

  await page.keyboard.press('Control+E');
  const exp = new ExportDialogPO(page);
  await expect(exp.field('out')).toHaveValue('merged-labels.csv');
  await exp.field('out').fill('study labels.csv');
  await exp.field('model').selectOption('none');
  const downloading = page.waitForEvent('download');
  await exp.field('submit').click();
  await exp.job.toEnd('done');
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('study labels.csv');
  const got = fs.readFileSync(await download.path());
  const onServer = path.join(dir, 'exports', 'study labels.csv');
  expect(got.equals(fs.readFileSync(onServer))).toBe(true);
  const text = got.toString('utf8');
  expect(text.split('\n')[0]).toMatch(/^dataset,media,frame,file,timestamp,subject,split,AU1,/);
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  expect(rows).toHaveLength(SEED_MEDIA.reduce((a, m) => a + m.frames, 0));

  // one link per file written: the CSV and its sidecar
  const links = exp.root.getByTestId('export-download');
  await expect(links).toHaveCount(2);
  await expect(links.nth(1)).toHaveText('Download study labels.csv.json');
  const sidecar = page.waitForEvent('download');
  await links.nth(1).click();
  const meta = JSON.parse(fs.readFileSync(await (await sidecar).path(), 'utf8')) as Record<string, unknown>;
  expect(meta).toMatchObject({ format: 'affect-workbench merged-labels', file: 'study labels.csv', policy: 'gt+human', model: null });
  await screenshot(page, 'export-download-done');
});

test('a recent project whose folder was deleted leaves the list when opening it fails', async ({ app: page, workbench }) => {
  const home = new HomePO(page);
  const menu = new MenuBarPO(page);
  const a = workbench.dir('study-a');
  const b = workbench.dir('study-b');
  await home.createFromForm(a, 'Study A');
  await expect(home.projectName).toHaveText('Study A');
  await menu.choose('File', 'project.close');
  await home.createFromForm(b, 'Study B');
  await expect(home.projectName).toHaveText('Study B');
  await menu.choose('File', 'project.close');
  await expect(home.recentItems).toHaveCount(2);

  fs.rmSync(a, { recursive: true, force: true });
  await home.recentItem(a).click();
  await expect(page.getByTestId('error-banner')).toContainText('removed from the recent projects');
  await expect(home.recentItems).toHaveCount(1);
  await expect(home.recentItem(b)).toBeVisible();

  // and one deleted while the app was closed is not listed after a reload
  fs.rmSync(b, { recursive: true, force: true });
  await page.reload();
  await expect(page.getByTestId('app')).toHaveAttribute('data-booted', 'true');
  await expect(page.getByTestId('recent-empty')).toBeVisible();
});
