// Page objects: the File → Import… and File → Export… dialogs (src/renderer/src/data).
import { expect, type Locator, type Page } from '@playwright/test';

class JobPO {
  readonly root: Locator;
  constructor(dialog: Locator, label: string) {
    this.root = dialog.getByTestId(`${label}-job`);
  }
  /** Waits for the job's status (the job.state events update it). */
  async toEnd(status: 'done' | 'failed' | 'cancelled', timeout = 45_000): Promise<void> {
    await expect(this.root).toHaveAttribute('data-status', status, { timeout });
  }
}

export class ImportDialogPO {
  readonly root: Locator;
  readonly job: JobPO;
  constructor(page: Page) {
    this.root = page.getByTestId('dialog');
    this.job = new JobPO(this.root, 'import');
  }
  field(id: 'format' | 'sources' | 'dataset-name' | 'split' | 'manifest' | 'videos' | 'faces' | 'submit' | 'summary' | 'close' | 'error'): Locator {
    return this.root.getByTestId(`import-${id}`);
  }
}

export class ExportDialogPO {
  readonly root: Locator;
  readonly job: JobPO;
  constructor(page: Page) {
    this.root = page.getByTestId('dialog');
    this.job = new JobPO(this.root, 'export');
  }
  field(
    id: 'format' | 'out' | 'policy' | 'model' | 'probabilities' | 'labelled-only' | 'overwrite' | 'submit' | 'summary' | 'rows' | 'close' | 'again' | 'error' | 'datasets' | 'splits',
  ): Locator {
    return this.root.getByTestId(`export-${id}`);
  }
}
