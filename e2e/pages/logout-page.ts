// The IdP's sign-out confirmation (RP-initiated logout): "yes, sign out" or "no, stay signed in".
import { expect, type Locator, type Page } from '@playwright/test';
import { clickAndWaitForNewPage } from './navigation.ts';

export class LogoutPage {
  readonly page: Page;
  readonly heading: Locator;
  readonly confirmButton: Locator;
  readonly stayButton: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    // The provider's form carries logout=yes only on the confirming button.
    this.confirmButton = page.locator('button[name="logout"][value="yes"]');
    this.stayButton = page.locator('button[form="op.logoutForm"]:not([name="logout"])');
  }

  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(/\/session\/end/);
    await expect(this.confirmButton).toBeVisible();
  }

  async confirm(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.confirmButton);
  }
}
