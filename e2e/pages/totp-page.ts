// The IdP's code page for people who have TOTP: one field for the app's code or a recovery code.
import { expect, type Locator, type Page } from '@playwright/test';
import { clickAndWaitForNewPage } from './navigation.ts';

/** Any page of a sign-in at the IdP: /interaction/<uid>, or the answer to a POST to one of its steps. */
export const INTERACTION_URL = /\/interaction\/[A-Za-z0-9_-]+(\/[a-z]+)?$/;

export class TotpPage {
  readonly page: Page;
  readonly heading: Locator;
  readonly form: Locator;
  readonly code: Locator;
  readonly submitButton: Locator;
  readonly alert: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    this.form = page.locator('form[action$="/totp"]');
    this.code = this.form.locator('input[name="code"]');
    this.submitButton = this.form.locator('button[type="submit"]');
    this.alert = page.locator('[role="alert"]');
  }

  /** Waits until the browser shows the code prompt (not enrolment, not the password form). */
  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(INTERACTION_URL);
    await expect(this.code).toBeVisible();
    await expect(this.page.getByTestId('totp-qr')).toHaveCount(0);
    await expect(this.page.locator('input[type="password"], input[name="password"]')).toHaveCount(0);
  }

  /** Types a code (from the app, or a recovery code) and submits; waits for the page that answered. */
  async submit(code: string): Promise<void> {
    await this.code.fill(code);
    await clickAndWaitForNewPage(this.page, this.submitButton);
  }

  async errorText(): Promise<string> {
    await expect(this.alert).toBeVisible();
    return (await this.alert.innerText()).trim();
  }
}
