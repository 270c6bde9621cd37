// File → Import… and File → Export… against the real backend in browser mode: a small CSV dataset of
// images (made here with sharp) imported through the dialog as the worker job 'import', listed on
// the home screen with its label counts, then exported as a merged CSV through the dialog (worker
// job 'export', contract method data.export); the file has the imported labels, row by row.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { expect, screenshot, test } from './fixtures';
import { ExportDialogPO, ImportDialogPO } from './pages/data';
import { HomePO } from './pages/home';
import { MenuBarPO } from './pages/menu';

// path, subject, split, AU1 AU2 AU4 AU6 AU12 AU15 AU20 AU25, expression, valence, arousal
const ROWS = [
  ['img/a 1.png', 's1', 'train', '1,0,0,1,1,0,0,1', 'Happiness', '0.5', '0.25'],
  ['img/b.png', 's1', 'train', ',,,,,,,', 'Anger', '', ''],
  ['img/c.png', 's2', 'val', '0,0,1,0,0,0,0,0', '', '-0.4', '0.1'],
  ['img/d.png', 's2', 'val', ',,,,,,,', 'Neutral', '', ''],
  ['img/é.png', 's3', 'test', ',,,,,,,', '', '0.9', '-0.9'],
  ['img/f.png', '', 'train', '1,1,1,1,1,1,1,1', 'Surprise', '', ''],
];
const AUS = ['AU1', 'AU2', 'AU4', 'AU6', 'AU12', 'AU15', 'AU20', 'AU25'];

async function makeDataset(dir: string): Promise<string> {
  fs.mkdirSync(path.join(dir, 'img'), { recursive: true });
  for (const [i, r] of ROWS.entries()) {
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 30 * i } } })
      .png()
      .toFile(path.join(dir, r[0]));
  }
  const csv = path.join(dir, 'faces.csv');
  const lines = ['path,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,expression,valence,arousal', ...ROWS.map((r) => r.join(','))];
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  return csv;
}

test('File → Import… brings in a CSV dataset; File → Export… writes its merged labels', async ({ app: page, workbench }) => {
  const home = new HomePO(page);
  const menu = new MenuBarPO(page);
  const csv = await makeDataset(workbench.dir('data'));
  await home.createFromForm(workbench.dir('study'), 'Import/export study');
  await expect(home.projectName).toHaveText('Import/export study');

  // ---- import
  await menu.choose('File', 'data.import');
  const imp = new ImportDialogPO(page);
  await expect(imp.root.getByTestId('dialog-title')).toHaveText('Import a dataset');
  await imp.field('format').selectOption('csv');
  await imp.field('sources').fill(csv);
  await imp.field('dataset-name').fill('faces-mini');
  await imp.field('faces').selectOption('none');
  await screenshot(page, 'import-export-import-form');
  await imp.field('submit').click();
  await imp.job.toEnd('done');
  await expect(imp.field('summary')).toContainText('6 frames');
  await expect(imp.root.getByTestId('import-dataset')).toHaveText('faces-mini');
  await expect(imp.root.getByTestId('faces-job')).toHaveCount(0); // image crops need no faces job
  await screenshot(page, 'import-export-import-done');
  await imp.field('close').click();
  await expect(imp.root).toHaveCount(0);

  // listed on the home screen with its counts
  const row = home.datasetRows.filter({ hasText: 'faces-mini' });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('dataset-frames')).toHaveText('6');
  await expect(row.getByTestId('dataset-splits')).toHaveText('train 3 · val 2 · test 1');
  expect(await home.counts(row)).toEqual(['3', '4', '3']);
  await screenshot(page, 'import-export-datasets');

  // ---- export
  const out = workbench.dir('exports/faces, "mini".csv');
  await page.keyboard.press('Control+E');
  const exp = new ExportDialogPO(page);
  await expect(exp.root.getByTestId('dialog-title')).toHaveText('Export labels');
  await exp.field('out').fill(out);
  await exp.field('model').selectOption('none');
  await expect(exp.field('policy')).toHaveValue('gt+human');
  await expect(exp.field('probabilities')).toBeDisabled();
  await screenshot(page, 'import-export-export-form');
  await exp.field('submit').click();
  await exp.job.toEnd('done');
  await expect(exp.field('rows')).toHaveText('6');
  await expect(exp.root.getByTestId('export-out')).toHaveText(out);
  await screenshot(page, 'import-export-export-done');

  const text = fs.readFileSync(out, 'utf8');
  // the header comes first (spreadsheets read it); the provenance is in the sidecar <out>.json
  expect(text.split('\n')[0]).toMatch(/^dataset,media,frame,/);
  expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ policy: 'gt+human', model: null });
  const got = parse(text, { columns: true }) as Record<string, string>[];
  expect(got.map((r) => [r.dataset, r.media, r.frame, r.file, r.subject, r.split])).toEqual(
    ROWS.map((r, i) => ['faces-mini', 'faces', String(i), r[0], r[1], r[2]]),
  );
  for (const [i, r] of ROWS.entries()) {
    const g = got[i];
    expect(AUS.map((a) => g[a]).join(','), `row ${i}`).toBe(r[3]);
    expect([g.expression, g.valence, g.arousal], `row ${i}`).toEqual([r[4], r[5], r[6]]);
    expect([g.au_source, g.expr_source, g.va_source], `row ${i}`).toEqual([r[3] === ',,,,,,,' ? '' : 'imported', r[4] ? 'imported' : '', r[5] ? 'imported' : '']);
  }

  // a second export to the same file is refused in the dialog, nothing is started
  await exp.field('again').click();
  await exp.field('submit').click();
  await expect(exp.field('error')).toContainText('already exists');
  await screenshot(page, 'import-export-export-error');
  expect(workbench.backend.jobs.list().filter((j) => j.kind === 'export')).toHaveLength(1);
});

test('a merged-labels file comes back through File → Import…, and the faces job follows in the chosen mode', async ({ app: page, workbench }) => {
  const home = new HomePO(page);
  const menu = new MenuBarPO(page);
  const file = workbench.dir('merged.csv');
  fs.writeFileSync(
    file,
    [
      '# affect-workbench merged-labels v1 policy=gt+human model=none',
      'dataset,media,frame,file,timestamp,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,expression,valence,arousal,au_source,expr_source,va_source',
      'Clips,clip-1,0,,0,,train,,,,,,,,,Fear,,,,imported,',
      'Clips,clip-1,1,,0.04,,train,,,,,,,,,Sadness,,,,human,',
      'Clips,clip-1,2,,0.08,,train,,,,,,,,,,0.5,0.5,,,imported',
      '',
    ].join('\n'),
  );
  await home.createFromForm(workbench.dir('study'), 'Merged study');
  await menu.choose('File', 'data.import');
  const imp = new ImportDialogPO(page);
  await imp.field('format').selectOption('merged');
  await imp.field('sources').fill(file);
  await imp.field('faces').selectOption('aligned');
  await imp.field('submit').click();
  await imp.job.toEnd('done');
  await expect(imp.field('summary')).toContainText('3 frames');
  // label-only frames still need faces: the faces job runs over them ('aligned': no detector)
  const faces = imp.root.getByTestId('faces-job');
  await expect(faces).toHaveAttribute('data-status', 'done', { timeout: 45_000 });
  await screenshot(page, 'import-export-merged-faces');
  const jobs = workbench.backend.jobs.list();
  expect(jobs.map((j) => [j.kind, j.status])).toEqual([
    ['faces', 'done'],
    ['import', 'done'],
  ]);
  expect(jobs[0].params).toMatchObject({ mode: 'aligned' });
  await imp.field('close').click();
  const row = home.datasetRows.filter({ hasText: 'Clips' });
  expect(await home.counts(row)).toEqual(['0', '2', '1']);
});
