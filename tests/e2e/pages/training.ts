// Page object: the training screen (compute backend check and the job list).
import type { Locator, Page } from '@playwright/test';

export class TrainingPO {
  readonly probeButton: Locator;
  readonly probeResult: Locator;
  readonly probeBackend: Locator;
  readonly probeFailed: Locator;
  readonly jobRows: Locator;

  constructor(page: Page) {
    this.probeButton = page.getByTestId('probe-button');
    this.probeResult = page.getByTestId('probe-result');
    this.probeBackend = page.getByTestId('probe-backend');
    this.probeFailed = page.getByTestId('probe-failed');
    this.jobRows = page.getByTestId('job-row');
  }
}
