// The page between the second factor and the app: the new recovery codes after enrolment, or the
// "you used a recovery code, N remain" notice; either way one button to continue to the app.
import { expect, type Locator, type Page } from '@playwright/test';
import { clickAndWaitForNewPage } from './navigation.ts';
import { INTERACTION_URL } from './totp-page.ts';

export class RecoveryCodesPage {
  readonly page: Page;
  readonly heading: Locator;
  readonly codesBlock: Locator;
  readonly notice: Locator;
  readonly continueButton: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    this.codesBlock = page.getByTestId('recovery-codes');
    this.notice = page.locator('main [role="status"]');
    this.continueButton = page.locator('main form[action$="/continue"] button[type="submit"]');
  }

  /** Waits for the page right after enrolment, with the recovery codes on it. */
  async expectCodesShown(): Promise<void> {
    await expect(this.page).toHaveURL(INTERACTION_URL);
    await expect(this.codesBlock).toBeVisible();
    await expect(this.continueButton).toBeVisible();
  }

  /** Waits for the page after a recovery code was used: a notice, no codes, a continue button. */
  async expectNoticeShown(): Promise<void> {
    await expect(this.page).toHaveURL(INTERACTION_URL);
    await expect(this.notice).toBeVisible();
    await expect(this.codesBlock).toHaveCount(0);
    await expect(this.continueButton).toBeVisible();
  }

  /** The recovery codes as listed (whitespace-separated). */
  async codes(): Promise<string[]> {
    return (await this.codesBlock.innerText()).split(/\s+/).filter((c) => c !== '');
  }

  async continue(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.continueButton);
  }
}
