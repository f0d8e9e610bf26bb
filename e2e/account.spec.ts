// The self-service account page (/account) in Chromium: a customer turns two-step verification on
// (password confirmation, enrolment, recovery codes), steps up from the demo app with the code
// alone, signs in with the code, then turns it off with password and code; an installer cannot.
// Codes come from support/totp.ts, the test's own RFC 6238 implementation.
import type { NewUser } from './support/cli.ts';
import { expect, test } from './support/fixtures.ts';
import { freshCodeAfter } from './support/fresh-code.ts';
import { parseOtpauthUri, PERIOD_MS, totpNow } from './support/totp.ts';
import type { EnrolPage } from './pages/enrol-page.ts';

const AMR_OTP = ['pwd', 'otp', 'mfa'];
const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/;
/** Enrolment at /account is answered at the action's own URL, not at a sign-in step. */
const ACCOUNT_ENROL_URL = /\/account\/2fa\/enable$/;
// Tests that may wait for the next TOTP time step, twice, on top of several sign-ins.
const TWO_WAITS_TIMEOUT = 45_000 + 2 * PERIOD_MS;

/** The key from the QR image's pixels, checked against the key typed out under it. */
async function scanQr(enrolPage: EnrolPage, username: string): Promise<string> {
  const uri = parseOtpauthUri(await enrolPage.keyUriFromImageData());
  expect(uri.type).toBe('totp');
  expect(uri.label).toBe(`Jullix:${username}`);
  const secret = uri.params.get('secret') ?? '';
  expect(secret).toMatch(/^[A-Z2-7]+$/);
  expect(await enrolPage.manualKey()).toBe(secret);
  return secret;
}

test.describe('a customer turns two-step verification on and off at /account', () => {
  test.describe.configure({ mode: 'serial' });

  // Handed from the first test to the second (serial: same worker, same IdP, in this order).
  interface Enrolled { user: NewUser; secret: string; usedStep: number }
  let enrolled: Enrolled | undefined;
  const need = (): Enrolled => {
    if (!enrolled) throw new Error('the enrolment test did not complete');
    return enrolled;
  };

  test('on: password, enrolment, recovery codes; a step-up from the demo app then asks only for the code', async ({
    page, customer, signInPage, accountPage, accountConfirmPage, enrolPage, totpPage, rpHome,
  }) => {
    test.setTimeout(TWO_WAITS_TIMEOUT);
    // The account page signs in through the provider's own flow.
    await accountPage.goto();
    await signInPage.expectShown();
    await signInPage.signIn(customer.username, customer.password);
    await accountPage.expectShown();
    await expect(accountPage.username).toHaveText(customer.username);
    await accountPage.expectTwoFactor(false);
    await expect(accountPage.disableButton).toHaveCount(0);

    await accountPage.enable();
    await accountConfirmPage.expectShown({ withCode: false });
    await expect(accountConfirmPage.heading).toHaveText('Bevestig dat jij het bent');
    await accountConfirmPage.confirm(customer.password);

    await enrolPage.expectShown(ACCOUNT_ENROL_URL);
    const secret = await scanQr(enrolPage, customer.username);
    const enrolment = totpNow(secret);
    await enrolPage.confirm(enrolment.code);
    const codes = await accountPage.expectRecoveryCodes();
    await expect(accountPage.notice).toHaveText('Tweestapsverificatie staat nu aan.');
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(RECOVERY_CODE);

    await accountPage.back();
    await accountPage.expectShown();
    await accountPage.expectTwoFactor(true);
    await expect(accountPage.recoveryCodesLeft).toContainText('10');
    await expect(accountPage.disableButton).toBeVisible();
    await expect(accountPage.requiredNotice).toHaveCount(0);

    // The IdP session was made with the password alone (aal1): step-up asks for the code, nothing else.
    await rpHome.goto();
    await rpHome.startSignIn({ stepUp: true });
    await totpPage.expectShown();
    await expect(page.locator('input[name="password"]')).toHaveCount(0);
    const stepUp = await freshCodeAfter(page, secret, enrolment.step);
    await totpPage.submit(stepUp.code);
    const claims = await rpHome.claims();
    expect(claims['acr']).toBe('aal2');
    expect(claims['amr']).toEqual(AMR_OTP);
    enrolled = { user: customer, secret, usedStep: stepUp.step };
  });

  test('the next sign-in asks for the code; off needs the password and a code not used before', async ({
    page, rpHome, signInPage, totpPage, accountPage, accountConfirmPage,
  }) => {
    test.setTimeout(TWO_WAITS_TIMEOUT);
    const { user, secret, usedStep } = need();
    // A browser without the IdP session: password, then the code.
    await rpHome.goto();
    await rpHome.startSignIn();
    await signInPage.expectShown();
    await signInPage.signIn(user.username, user.password);
    await totpPage.expectShown();
    const signIn = await freshCodeAfter(page, secret, usedStep);
    await totpPage.submit(signIn.code);
    const claims = await rpHome.claims();
    expect(claims['acr']).toBe('aal2');
    expect(claims['amr']).toEqual(AMR_OTP);

    await accountPage.goto();
    await accountPage.expectShown();
    await accountPage.expectTwoFactor(true);
    await accountPage.disable();
    await accountConfirmPage.expectShown({ withCode: true });
    await expect(accountConfirmPage.endOtherSessions).toBeVisible();

    // The code just used to sign in does not confirm anything a second time.
    await accountConfirmPage.confirm(user.password, signIn.code);
    await accountConfirmPage.expectShown({ withCode: true });
    await expect(accountConfirmPage.alert).toHaveText('Het wachtwoord of de code is onjuist.');

    const confirmation = await freshCodeAfter(page, secret, signIn.step);
    await accountConfirmPage.confirm(user.password, confirmation.code);
    await accountPage.expectShown();
    await expect(page).toHaveURL(/\?notice=2fa-disabled$/);
    await expect(accountPage.notice).toHaveText('Tweestapsverificatie staat nu uit.');
    await accountPage.expectTwoFactor(false);
    await expect(accountPage.enableButton).toBeVisible();
    await expect(accountPage.disableButton).toHaveCount(0);

    // Off means off: a new sign-in is the password alone again.
    await page.context().clearCookies();
    await rpHome.goto();
    await rpHome.startSignIn();
    await signInPage.expectShown();
    await signInPage.signIn(user.username, user.password);
    const after = await rpHome.claims();
    expect(after['acr']).toBe('aal1');
    expect(after['amr']).toEqual(['pwd']);
  });
});

test('an installer at /account sees why two-step verification stays on, and cannot turn it off', async ({
  page, idp, installer, signInPage, enrolPage, recoveryCodesPage, accountPage,
}) => {
  // A role that must have TOTP enrols on the way in, even to the account page.
  await accountPage.goto();
  await signInPage.expectShown();
  await signInPage.signIn(installer.username, installer.password);
  await enrolPage.expectShown();
  await enrolPage.confirm(totpNow(await enrolPage.manualKey()).code);
  await recoveryCodesPage.expectCodesShown();
  await recoveryCodesPage.continue();

  await accountPage.expectShown();
  await accountPage.expectTwoFactor(true);
  await expect(accountPage.requiredNotice).toBeVisible();
  await expect(accountPage.requiredNotice).toContainText('verplicht');
  await expect(accountPage.disableButton).toHaveCount(0);
  await expect(accountPage.regenerateButton).toBeVisible();

  // Posting the missing form by hand, with the page's valid CSRF token, is refused as well.
  const answer = await page.request.post(`${idp.issuer}/account/2fa/disable`, { form: { csrf: await accountPage.csrf() }, maxRedirects: 0 });
  expect(answer.status()).toBe(403);
  expect(await answer.text()).toContain('je kan ze niet uitschakelen');
  await accountPage.goto();
  await accountPage.expectShown();
  await accountPage.expectTwoFactor(true);
});
