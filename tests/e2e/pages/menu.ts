// Page object: the in-app menu bar and the dialogs its commands open.
import type { Locator, Page } from '@playwright/test';

export class MenuBarPO {
  constructor(private readonly page: Page) {}

  /** Opens a top-level menu (File, Training, View, Help) and chooses the item with this command id. */
  async choose(menu: string, command: string): Promise<void> {
    await this.page.getByTestId(`menu-${menu}`).click();
    await this.page.getByTestId(`menu-item-${command}`).click();
  }

  item(command: string): Locator {
    return this.page.getByTestId(`menu-item-${command}`);
  }
}

export class DialogPO {
  readonly root: Locator;
  constructor(page: Page) {
    this.root = page.getByTestId('dialog');
  }
  get title(): Locator {
    return this.root.getByTestId('dialog-title');
  }
  field(testid: string): Locator {
    return this.root.getByTestId(testid);
  }
}

export class ErrorsPO {
  readonly banners: Locator;
  constructor(page: Page) {
    this.banners = page.getByTestId('error-banner');
  }
}
