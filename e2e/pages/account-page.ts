// The self-service account page at /account: the overview with its two-step verification section,
// the page that confirms a change (password, and a code once TOTP is on), and the message page that
// answers a change (new recovery codes, or an error).
import { expect, type Locator, type Page } from '@playwright/test';
import { clickAndWaitForNewPage } from './navigation.ts';

/** /account, or /account?notice=… after a change. */
export const ACCOUNT_URL = /\/account(\?[^/]*)?$/;

export class AccountPage {
  readonly page: Page;
  readonly url: string;
  readonly heading: Locator;
  readonly username: Locator;
  readonly twoFactor: Locator;
  readonly enableButton: Locator;
  readonly disableButton: Locator;
  readonly regenerateButton: Locator;
  readonly requiredNotice: Locator;
  readonly recoveryCodesLeft: Locator;
  readonly notice: Locator;
  readonly alert: Locator;
  /** The recovery codes on the message page after enrolment or regeneration. */
  readonly recoveryCodes: Locator;
  readonly backLink: Locator;

  constructor(page: Page, issuer: string) {
    this.page = page;
    this.url = `${issuer}/account`;
    this.heading = page.locator('main h1');
    this.username = page.getByTestId('account-username');
    this.twoFactor = page.getByTestId('2fa-status');
    this.enableButton = page.getByTestId('enable-2fa');
    this.disableButton = page.getByTestId('disable-2fa');
    this.regenerateButton = page.getByTestId('regenerate-recovery-codes');
    this.requiredNotice = page.getByTestId('2fa-required');
    this.recoveryCodesLeft = page.getByTestId('recovery-codes-left');
    this.notice = page.locator('main [role="status"]');
    this.alert = page.locator('main [role="alert"]');
    this.recoveryCodes = page.getByTestId('recovery-codes');
    this.backLink = page.locator(`main a[href$="/account"]`);
  }

  /** Opens /account; without an IdP session this ends on the provider's sign-in page. */
  async goto(): Promise<void> {
    await this.page.goto(this.url);
  }

  /** Waits for the overview (not the sign-in page the account client may have been sent to). */
  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(ACCOUNT_URL);
    await expect(this.twoFactor).toBeVisible();
  }

  async expectTwoFactor(on: boolean): Promise<void> {
    await expect(this.twoFactor).toHaveAttribute('data-enabled', String(on));
  }

  async enable(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.enableButton);
  }

  async disable(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.disableButton);
  }

  async regenerate(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.regenerateButton);
  }

  /** The message page with new recovery codes; returns them. */
  async expectRecoveryCodes(): Promise<string[]> {
    await expect(this.recoveryCodes).toBeVisible();
    await expect(this.backLink).toBeVisible();
    return (await this.recoveryCodes.innerText()).split(/\s+/).filter((c) => c !== '');
  }

  async back(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.backLink);
  }

  /** The CSRF token of the page's forms (all forms of one page carry the same one). */
  async csrf(): Promise<string> {
    return this.page.locator('main form input[name="csrf"]').first().inputValue();
  }
}

/** "Confirm it is you": asked before turning TOTP on or off and before new recovery codes. */
export class AccountConfirmPage {
  readonly page: Page;
  readonly heading: Locator;
  readonly form: Locator;
  readonly password: Locator;
  readonly code: Locator;
  readonly endOtherSessions: Locator;
  readonly submitButton: Locator;
  readonly alert: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    // The overview's password-change form also has a `password` field; this one has no new password.
    this.form = page.locator('main form', { has: page.locator('input[name="password"]'), hasNot: page.locator('input[name="new_password"]') });
    this.password = this.form.locator('input[name="password"]');
    this.code = this.form.locator('input[name="code"]');
    this.endOtherSessions = this.form.locator('input[name="end_other_sessions"]');
    this.submitButton = this.form.locator('button[type="submit"]');
    this.alert = page.locator('main [role="alert"]');
  }

  /** Waits for the confirmation form; `withCode`: whether it must (or must not) ask for a code. */
  async expectShown(opts: { withCode: boolean }): Promise<void> {
    await expect(this.page).toHaveURL(/\/account\/(2fa\/(enable|disable)|recovery-codes)$/);
    await expect(this.password).toBeVisible();
    if (opts.withCode) await expect(this.code).toBeVisible();
    else await expect(this.code).toHaveCount(0);
  }

  /** Fills the password (and the code, when given) and submits; waits for the page that answered. */
  async confirm(password: string, code?: string): Promise<void> {
    await this.password.fill(password);
    if (code !== undefined) await this.code.fill(code);
    await clickAndWaitForNewPage(this.page, this.submitButton);
  }
}
