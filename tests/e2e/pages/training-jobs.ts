// Page objects: the training dialogs, the jobs panel (queue + selected job) and the results
// dashboard (Table 2, breakdowns, models).
import { expect, type Locator, type Page } from '@playwright/test';

export class TrainDialogPO {
  readonly root: Locator;
  constructor(page: Page) {
    this.root = page.getByTestId('dialog');
  }
  field(name: string): Locator {
    return this.root.getByTestId(`f-${name}`);
  }
  issue(name: string): Locator {
    return this.root.getByTestId(`issue-${name}`);
  }
  /** Fills text fields and picks select options by field name. */
  async fill(values: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(values)) {
      const f = this.field(k);
      if ((await f.evaluate((el) => el.tagName)) === 'SELECT') await f.selectOption(v);
      else await f.fill(v);
    }
  }
  async submit(testid: string): Promise<void> {
    await this.root.getByTestId(testid).click();
  }
}

export class JobsPO {
  readonly rows: Locator;
  readonly detail: Locator;
  constructor(private readonly page: Page) {
    this.rows = page.getByTestId('job-row');
    this.detail = page.getByTestId('job-detail');
  }
  row(jobId: number): Locator {
    return this.page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
  }
  /** The id of the newest job of a kind. */
  async newest(kind: string): Promise<number> {
    const row = this.page.locator(`[data-testid="job-row"][data-kind="${kind}"]`).first();
    return Number(await row.getAttribute('data-job-id'));
  }
  async waitStatus(jobId: number, status: string, timeout = 90_000): Promise<void> {
    // Any final status ends the wait, so a failure shows its reason instead of a timeout.
    const row = this.row(jobId);
    await expect(row).toHaveAttribute('data-status', /^(done|failed|cancelled|interrupted)$/, { timeout });
    if ((await row.getAttribute('data-status')) !== status) {
      const why = await row.getByTestId('job-status').getAttribute('title');
      throw new Error(`job ${jobId} ended ${await row.getAttribute('data-status')} (expected ${status}): ${why}`);
    }
  }
  detailOf(jobId: number): Locator {
    return this.page.locator(`[data-testid="job-detail"][data-job-id="${jobId}"]`);
  }
}

export class ResultsPO {
  readonly table: Locator;
  readonly rows: Locator;
  readonly models: Locator;
  constructor(private readonly page: Page) {
    this.table = page.getByTestId('table2');
    this.rows = page.getByTestId('table2-row');
    this.models = page.getByTestId('dashboard-model-row');
  }
  model(id: number): Locator {
    return this.page.locator(`[data-testid="dashboard-model-row"][data-model-id="${id}"]`);
  }
  /** Every Table 2 shown: one per reference (the labels, the demo's complete truth). */
  get groups(): Locator {
    return this.page.getByTestId('table2-group');
  }
  /** The Table 2 measured against `reference` on `measuredOn` frames. */
  group(reference: string, measuredOn: string): Locator {
    return this.page.locator(`[data-testid="table2-group"][data-reference="${reference}"][data-measured-on="${measuredOn}"]`);
  }
}
