// Page object: the home screen (welcome forms and recent projects, or the open project's overview).
import type { Locator, Page } from '@playwright/test';

export class HomePO {
  readonly projectName: Locator;
  readonly projectDir: Locator;
  readonly recentItems: Locator;
  readonly datasetRows: Locator;
  readonly mediaRows: Locator;

  constructor(private readonly page: Page) {
    this.projectName = page.getByTestId('project-name');
    this.projectDir = page.getByTestId('project-dir');
    this.recentItems = page.getByTestId('recent-list').getByTestId('recent-item');
    this.datasetRows = page.getByTestId('dataset-row');
    this.mediaRows = page.getByTestId('media-row');
  }

  recentItem(dir: string): Locator {
    return this.page.locator(`[data-testid="recent-item"][data-dir="${dir}"]`);
  }

  async openFromForm(dir: string): Promise<void> {
    await this.page.getByTestId('home-open-project-path').fill(dir);
    await this.page.getByTestId('home-open-project-submit').click();
  }

  async createFromForm(dir: string, name?: string): Promise<void> {
    await this.page.getByTestId('home-new-project-path').fill(dir);
    if (name) await this.page.getByTestId('home-new-project-name').fill(name);
    await this.page.getByTestId('home-new-project-submit').click();
  }

  /** Text of the AU, EXPR and VA count cells of a row, e.g. "400" (the value only). */
  async counts(row: Locator): Promise<string[]> {
    return Promise.all(['count-au', 'count-expr', 'count-va'].map((id) => row.getByTestId(id).locator('.count-value').innerText()));
  }
}
