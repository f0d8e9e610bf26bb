// Password sign-in through a real relying app, in Chromium: claims, errors, cancel, language,
// escaping and RP-initiated logout.
import { expect, test } from './support/fixtures.ts';

test('a customer signs in through the demo app and gets amr ["pwd"] and acr aal1', async ({ page, rpHome, signInPage, customer }) => {
  await rpHome.goto();
  const started = performance.now();
  await rpHome.startSignIn();
  await signInPage.expectShown();
  await signInPage.signIn(customer.username, customer.password);
  await expect(rpHome.claimsJson).toBeVisible();
  const elapsed = performance.now() - started;
  console.log(`full browser sign-in (click "Sign in" to claims visible): ${elapsed.toFixed(0)} ms`);

  await expect(page).toHaveURL(`${rpHome.url}/`);
  await expect(rpHome.claim('amr')).toHaveText('["pwd"]');
  await expect(rpHome.claim('acr')).toHaveText('aal1');
  const claims = await rpHome.claims();
  expect(claims['amr']).toEqual(['pwd']);
  expect(claims['acr']).toBe('aal1');
  expect(typeof claims['sub']).toBe('string');
  await expect(rpHome.claim('sub')).toHaveText(String(claims['sub']));
  const authTime = claims['auth_time'];
  expect(typeof authTime).toBe('number');
  expect(Math.abs(Number(authTime) - Date.now() / 1000)).toBeLessThan(120);
  await expect(rpHome.claim('auth_time')).toContainText(new Date(Number(authTime) * 1000).toUTCString());
});

test('a wrong password and an unknown user get the same message, on the sign-in page', async ({ page, rpHome, signInPage, customer }) => {
  await rpHome.goto();
  await rpHome.startSignIn();
  await signInPage.expectShown();

  await signInPage.signIn(customer.username, `${customer.password}-wrong`);
  await signInPage.expectShown();
  const wrongPassword = await signInPage.errorText();

  await signInPage.signIn(`nobody-${customer.username}`, customer.password);
  await signInPage.expectShown();
  const unknownUser = await signInPage.errorText();

  expect(wrongPassword).toBe('Gebruikersnaam of wachtwoord is onjuist.');
  expect(unknownUser).toBe(wrongPassword);
  await expect(signInPage.heading).toHaveText('Aanmelden');
  expect(page.url().startsWith(rpHome.url)).toBe(false);
});

test('cancel on the sign-in page sends the app access_denied', async ({ page, rpHome, signInPage }) => {
  await rpHome.goto();
  await rpHome.startSignIn();
  await signInPage.expectShown();
  await signInPage.cancel();
  await expect(page).toHaveURL(new RegExp(`^${rpHome.url}/callback\\?`));
  await expect(rpHome.error).toContainText('access_denied');
  await expect(rpHome.claimsJson).toHaveCount(0);
});

test.describe('language of the sign-in page', () => {
  test('Dutch by default, for a browser that prefers no language the IdP has', async ({ browser, demoRp }) => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(`${demoRp.url}/login`);
    await expect(page.locator('main h1')).toHaveText('Aanmelden');
    await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
    await expect(page.locator('form:has(input[name="password"]) button[type="submit"]')).toHaveText('Aanmelden');
    await context.close();
  });

  test('English with ui_locales=en, even for a Dutch browser', async ({ page, rpHome, signInPage }) => {
    await rpHome.goto('/login?ui_locales=en');
    await signInPage.expectShown();
    await expect(signInPage.heading).toHaveText('Sign in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });

  test('English for a browser that asks for English (Accept-Language)', async ({ browser, demoRp }) => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${demoRp.url}/login`);
    await expect(page.locator('main h1')).toHaveText('Sign in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await context.close();
  });
});

test('a username with markup is shown back as text, never run', async ({ page, rpHome, signInPage }) => {
  const payload = '<img src=x onerror=alert(1)>';
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await rpHome.goto();
  await rpHome.startSignIn();
  await signInPage.expectShown();

  const answer = page.waitForResponse((res) => res.request().method() === 'POST' && res.url().endsWith('/login'));
  await signInPage.signIn(payload, 'some-password-1');
  const body = await (await answer).text();

  await signInPage.expectShown();
  await expect(signInPage.alert).toHaveText('Gebruikersnaam of wachtwoord is onjuist.');
  await expect(signInPage.username).toHaveValue(payload);
  await expect(page.locator('img')).toHaveCount(0);
  expect(body).not.toContain('<img src=x');
  expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(dialogs).toEqual([]);
});

test('signing out through the app ends the IdP session: the next sign-in asks for the password', async ({ page, rpHome, signInPage, logoutPage, customer }) => {
  // Redirects never show up as pages, so watch the requests to see which IdP pages were involved.
  const seen: string[] = [];
  page.on('request', (req) => { if (req.isNavigationRequest()) seen.push(req.url()); });
  const since = () => seen.splice(0);

  await rpHome.goto();
  await rpHome.startSignIn();
  await signInPage.signIn(customer.username, customer.password);
  const first = await rpHome.claims();

  // While the IdP session lives, signing in again needs no password: straight back to the callback.
  since();
  await rpHome.startSignIn();
  const silent = since();
  expect(silent.some((u) => u.startsWith(`${rpHome.url}/callback?code=`))).toBe(true);
  expect(silent.filter((u) => u.includes('/interaction/'))).toEqual([]);
  expect((await rpHome.claims())['sub']).toBe(first['sub']);

  await rpHome.signOut();
  await logoutPage.expectShown();
  await expect(logoutPage.heading).toHaveText('Afmelden');
  await logoutPage.confirm();
  await rpHome.expectSignedOut();

  await rpHome.startSignIn();
  await signInPage.expectShown();
  await expect(signInPage.password).toHaveValue('');
  await signInPage.signIn(customer.username, customer.password);
  const again = await rpHome.claims();
  expect(again['sub']).toBe(first['sub']);
  expect(Number(again['auth_time'])).toBeGreaterThanOrEqual(Number(first['auth_time']));
});
