// The IdP's TOTP enrolment page: the QR code, the same key typed out in groups of four, and the
// form that takes the first code from the app.
import { expect, type Locator, type Page } from '@playwright/test';
import { decodeQrPng, pngFromDataUrl } from '../support/qr.ts';
import { clickAndWaitForNewPage } from './navigation.ts';
import { INTERACTION_URL } from './totp-page.ts';

export class EnrolPage {
  readonly page: Page;
  readonly heading: Locator;
  readonly form: Locator;
  readonly qrImage: Locator;
  /** "Open in your authenticator app": the same otpauth:// URI as the QR code, for a phone. */
  readonly openAppLink: Locator;
  readonly secret: Locator;
  readonly code: Locator;
  readonly csrf: Locator;
  readonly submitButton: Locator;
  readonly alert: Locator;

  constructor(page: Page) {
    this.page = page;
    this.heading = page.locator('main h1');
    this.form = page.locator('form[action$="/enrol"]');
    this.qrImage = page.getByTestId('totp-qr');
    this.openAppLink = page.getByTestId('totp-open-app');
    this.secret = page.getByTestId('totp-secret');
    this.code = this.form.locator('input[name="code"]');
    this.csrf = this.form.locator('input[name="csrf"]');
    this.submitButton = this.form.locator('button[type="submit"]');
    this.alert = page.locator('[role="alert"]');
  }

  /**
   * Waits until the browser shows enrolment: QR code, key and code field, and no password field.
   * `url`: where it is expected, a sign-in step by default (the account page has its own).
   */
  async expectShown(url: RegExp = INTERACTION_URL): Promise<void> {
    await expect(this.page).toHaveURL(url);
    await expect(this.qrImage).toBeVisible();
    await expect(this.secret).toBeVisible();
    await expect(this.code).toBeVisible();
    await expect(this.page.locator('input[type="password"], input[name="password"]')).toHaveCount(0);
  }

  /** The text of the QR code, decoded from the PNG bytes of the image's data URL. */
  async keyUriFromImageData(): Promise<string> {
    const src = await this.qrImage.getAttribute('src');
    if (src === null) throw new Error('the QR image has no src');
    return decodeQrPng(pngFromDataUrl(src));
  }

  /** The text of the QR code, decoded from a screenshot of the image as Chromium rendered it. */
  async keyUriFromScreenshot(): Promise<string> {
    return decodeQrPng(await this.qrImage.screenshot({ animations: 'disabled' }));
  }

  /** The manual key as shown ("ABCD EFGH …"). */
  async shownKey(): Promise<string> {
    return (await this.secret.innerText()).trim();
  }

  /** The manual key as a person types it into an app: without the grouping spaces. */
  async manualKey(): Promise<string> {
    return (await this.shownKey()).replace(/\s+/g, '');
  }

  /** Types the app's code and confirms; returns once the browser shows the page that answered. */
  async confirm(code: string): Promise<void> {
    await this.code.fill(code);
    await clickAndWaitForNewPage(this.page, this.submitButton);
  }
}
