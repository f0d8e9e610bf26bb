// The IdP's code page for people who have TOTP: a field for the app's code (numeric keypad) and,
// folded away under "no access to your device?", one for a recovery code (letters and a dash).
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
  /** "No access to your device? Use a recovery code.": opens the recovery-code form. */
  readonly recoveryToggle: Locator;
  readonly recoveryCode: Locator;
  readonly recoverySubmit: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    this.form = page.locator('form[action$="/totp"]:not([data-testid="recovery-form"])');
    this.code = this.form.locator('input[name="code"]');
    this.submitButton = this.form.locator('button[type="submit"]');
    this.alert = page.locator('[role="alert"]');
    const recovery = page.getByTestId('recovery-form');
    this.recoveryToggle = page.locator('details.recovery summary');
    this.recoveryCode = recovery.locator('input[name="code"]');
    this.recoverySubmit = recovery.locator('button[type="submit"]');
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

  /** Opens "use a recovery code", types one into its own field and submits, as a person without their phone does. */
  async submitRecoveryCode(code: string): Promise<void> {
    await this.recoveryToggle.click();
    await expect(this.recoveryCode).not.toHaveAttribute('inputmode', 'numeric');
    await this.recoveryCode.fill(code);
    await clickAndWaitForNewPage(this.page, this.recoverySubmit);
  }

  async errorText(): Promise<string> {
    await expect(this.alert).toBeVisible();
    return (await this.alert.innerText()).trim();
  }
}
