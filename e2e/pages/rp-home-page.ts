// The demo relying app's home page: the sign-in buttons and, once signed in, the ID token's claims.
import { expect, type Locator, type Page } from '@playwright/test';
import { clickAndWaitForNewPage } from './navigation.ts';

export type ClaimName = 'sub' | 'amr' | 'acr' | 'auth_time';

export class RpHomePage {
  readonly page: Page;
  readonly url: string;
  readonly signInButton: Locator;
  readonly stepUpButton: Locator;
  readonly signOutButton: Locator;
  readonly claimsJson: Locator;
  readonly signedOut: Locator;
  readonly error: Locator;

  constructor(page: Page, url: string) {
    this.page = page;
    this.url = url;
    this.signInButton = page.getByRole('button', { name: 'Sign in', exact: true });
    this.stepUpButton = page.getByRole('button', { name: 'Sign in with step-up', exact: true });
    this.signOutButton = page.getByRole('button', { name: 'Sign out', exact: true });
    this.claimsJson = page.getByTestId('id-token-claims');
    this.signedOut = page.getByTestId('signed-out');
    this.error = page.getByTestId('rp-error');
  }

  async goto(path = '/'): Promise<void> {
    await this.page.goto(new URL(path, this.url).href);
  }

  /** Clicks "Sign in" (or "Sign in with step-up") and waits for the page the browser ends on. */
  async startSignIn(opts: { stepUp?: boolean } = {}): Promise<void> {
    await clickAndWaitForNewPage(this.page, opts.stepUp ? this.stepUpButton : this.signInButton);
  }

  async signOut(): Promise<void> {
    await clickAndWaitForNewPage(this.page, this.signOutButton);
  }

  claim(name: ClaimName): Locator {
    return this.page.getByTestId(`claim-${name}`);
  }

  /** The decoded ID token claims the app shows (waits for them). */
  async claims(): Promise<Record<string, unknown>> {
    await expect(this.claimsJson).toBeVisible();
    return JSON.parse(await this.claimsJson.innerText()) as Record<string, unknown>;
  }

  async expectSignedOut(): Promise<void> {
    await expect(this.page).toHaveURL(`${this.url}/`);
    await expect(this.signedOut).toBeVisible();
    await expect(this.claimsJson).toHaveCount(0);
    await expect(this.signOutButton).toHaveCount(0);
  }
}
