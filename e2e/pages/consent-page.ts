// The IdP's consent page, shown to a person the first time a third-party app asks for their data.
import { expect, type Locator, type Page } from '@playwright/test';
import { clickAndWaitForNewPage } from './navigation.ts';
import { INTERACTION_URL } from './totp-page.ts';

export class ConsentPage {
  readonly page: Page;
  readonly heading: Locator;
  readonly scopes: Locator;
  readonly allowButton: Locator;
  readonly denyButton: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    this.scopes = page.locator('main ul.scopes li');
    this.allowButton = page.locator('main form[action$="/consent"] button[type="submit"]');
    this.denyButton = page.locator('main form[action$="/abort"] button[type="submit"]');
  }

  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(INTERACTION_URL);
    await expect(this.allowButton).toBeVisible();
    await expect(this.denyButton).toBeVisible();
  }

  async allow(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.allowButton);
  }
}
