// The IdP's sign-in page (the password step), as a person sees it.
import { expect, type Locator, type Page } from '@playwright/test';
import { clickAndWaitForNewPage } from './navigation.ts';

export class SignInPage {
  readonly page: Page;
  readonly heading: Locator;
  readonly form: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly submitButton: Locator;
  readonly cancelButton: Locator;
  readonly alert: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    this.form = page.locator('form:has(input[name="password"])');
    this.username = this.form.locator('input[name="username"]');
    this.password = this.form.locator('input[name="password"]');
    this.submitButton = this.form.locator('button[type="submit"]');
    this.cancelButton = page.locator('form[action$="/abort"] button[type="submit"]');
    this.alert = page.locator('[role="alert"]');
  }

  /** Waits until the browser shows the sign-in form on the IdP's interaction pages. */
  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(/\/interaction\/[A-Za-z0-9_-]+(\/login)?$/);
    await expect(this.username).toBeVisible();
    await expect(this.password).toBeVisible();
  }

  /** Fills both fields and submits; returns once the browser shows the page that answered. */
  async signIn(username: string, password: string): Promise<void> {
    await this.username.fill(username);
    await this.password.fill(password);
    await clickAndWaitForNewPage(this.page, this.submitButton);
  }

  async cancel(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.cancelButton);
  }

  async errorText(): Promise<string> {
    await expect(this.alert).toBeVisible();
    return (await this.alert.innerText()).trim();
  }
}
