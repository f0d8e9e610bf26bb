// The TOTP second factor in Chromium, through the demo app: forced enrolment read from the QR
// image, the code step (replay and typo refused), recovery codes, step-up and keyboard-only use.
// Codes come from support/totp.ts, the test's own RFC 6238 implementation, never from src/.
import type { NewUser } from './support/cli.ts';
import { expect, test } from './support/fixtures.ts';
import { freshCodeAfter } from './support/fresh-code.ts';
import { base32Decode, hotp, parseOtpauthUri, PERIOD_MS, timeStep, totpNow, wrongCode } from './support/totp.ts';
import type { EnrolPage } from './pages/enrol-page.ts';
import { tabTo } from './pages/keyboard.ts';
import { pressAndWaitForNewPage } from './pages/navigation.ts';
import type { RpHomePage } from './pages/rp-home-page.ts';
import type { SignInPage } from './pages/sign-in-page.ts';

const AMR_OTP = ['pwd', 'otp', 'mfa'];
const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/;
// Tests that wait for the next time step get up to one period more than the configured 30 s.
const WAITING_TEST_TIMEOUT = 30_000 + PERIOD_MS;
// The enrolment test signs in twice (argon2 each time) and decodes the QR code twice.
const TWO_SIGN_INS_TIMEOUT = 45_000;

async function signIn(rpHome: RpHomePage, signInPage: SignInPage, user: NewUser, opts: { stepUp?: boolean } = {}): Promise<void> {
  await rpHome.goto();
  await rpHome.startSignIn(opts);
  await signInPage.expectShown();
  await signInPage.signIn(user.username, user.password);
}

/** What a person checks in their app: the QR code's key URI, read from the pixels, twice. */
async function scanQr(enrolPage: EnrolPage, username: string): Promise<string> {
  const fromImage = await enrolPage.keyUriFromImageData();
  expect(await enrolPage.keyUriFromScreenshot()).toBe(fromImage);
  const uri = parseOtpauthUri(fromImage);
  expect(uri.type).toBe('totp');
  expect(uri.label).toBe(`Jullix:${username}`);
  expect(uri.params.get('issuer')).toBe('Jullix');
  expect(uri.params.get('algorithm')).toBe('SHA1');
  expect(uri.params.get('digits')).toBe('6');
  expect(uri.params.get('period')).toBe('30');
  const secret = uri.params.get('secret') ?? '';
  expect(secret).toMatch(/^[A-Z2-7]+$/);
  // RFC 4226 §4 R6: at least 128 bits of shared secret.
  expect(base32Decode(secret).length).toBeGreaterThanOrEqual(16);
  expect(await enrolPage.shownKey()).toMatch(/^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/);
  expect(await enrolPage.manualKey()).toBe(secret);
  return secret;
}

test('the test authenticator agrees with RFC 6238 Appendix B (SHA-1) and RFC 4648 base32', () => {
  const key = Buffer.from('12345678901234567890', 'ascii');
  const vectors: Array<[number, string]> = [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
    [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130']];
  for (const [seconds, expected] of vectors) expect(hotp(key, Math.floor(seconds / 30), 8)).toBe(expected);
  expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').equals(key)).toBe(true);
  expect(base32Decode('mzxw 6ytb oi======').toString('ascii')).toBe('foobar');
});

test.describe('an installer with TOTP, from enrolment to recovery codes', () => {
  test.describe.configure({ mode: 'serial' });

  // Handed from each test to the next (serial mode: same worker, same IdP, in this order).
  interface Enrolled { user: NewUser; secret: string; usedCode: string; usedStep: number; recoveryCodes: string[] }
  let enrolled: Enrolled | undefined;
  const need = (): Enrolled => {
    if (!enrolled) throw new Error('the enrolment test did not complete');
    return enrolled;
  };

  test('a new installer must enrol: QR code read from the image, 10 recovery codes, then aal2', async ({ page, idp, installer, rpHome, signInPage, enrolPage, recoveryCodesPage }) => {
    test.setTimeout(TWO_SIGN_INS_TIMEOUT);
    await signIn(rpHome, signInPage, installer);
    await enrolPage.expectShown();
    await expect(enrolPage.heading).toHaveText('Tweestapsverificatie instellen');

    // No way around enrolment: no link or form leads to the app (links stay on the IdP, or are the
    // otpauth: key itself), no form finishes the sign-in, …
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    for (const href of hrefs) expect(href.startsWith(`${idp.issuer}/`) || href.startsWith('otpauth://totp/'), href).toBe(true);
    const actions = await page.locator('form').evaluateAll((fs) => fs.map((f) => (f as HTMLFormElement).action));
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action.startsWith(`${idp.issuer}/`), action).toBe(true);
      expect(action).not.toMatch(/\/(continue|consent)$/);
    }
    await expect(page.getByRole('button', { name: /overslaan|later|skip|doorgaan|continue/i })).toHaveCount(0);
    await expect(page.getByRole('link', { name: /overslaan|later|skip|doorgaan|continue/i })).toHaveCount(0);

    // … posting "continue" by hand (with a valid CSRF token) only leads back to this step, …
    const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(page.url())?.[1] ?? '';
    const skip = await page.request.post(`${idp.issuer}/interaction/${uid}/continue`, { form: { csrf: await enrolPage.csrf.inputValue() }, maxRedirects: 0 });
    expect(skip.status()).toBe(303);
    expect(new URL(skip.headers()['location'] ?? '', idp.issuer).pathname).toBe(`/interaction/${uid}`);

    // … the app has no sign-in, and starting again ends on enrolment again.
    await rpHome.goto();
    await rpHome.expectSignedOut();
    await rpHome.goto('/login');
    await signInPage.expectShown();
    await signInPage.signIn(installer.username, installer.password);
    await enrolPage.expectShown();
    await expect(rpHome.claimsJson).toHaveCount(0);

    const secret = await scanQr(enrolPage, installer.username);
    const { code, step } = totpNow(secret);
    const started = performance.now();
    await enrolPage.confirm(code);
    await recoveryCodesPage.expectCodesShown();
    console.log(`enrolment (submit first code to recovery codes visible): ${(performance.now() - started).toFixed(0)} ms`);
    await expect(recoveryCodesPage.heading).toHaveText('Je herstelcodes');
    const recoveryCodes = await recoveryCodesPage.codes();
    expect(recoveryCodes).toHaveLength(10);
    for (const c of recoveryCodes) expect(c).toMatch(RECOVERY_CODE);
    expect(new Set(recoveryCodes).size).toBe(10);

    await recoveryCodesPage.continue();
    const claims = await rpHome.claims();
    expect(claims['amr']).toContain('otp');
    expect(claims['amr']).toEqual(AMR_OTP);
    expect(claims['acr']).toBe('aal2');
    await expect(rpHome.claim('acr')).toHaveText('aal2');
    enrolled = { user: installer, secret, usedCode: code, usedStep: step, recoveryCodes };
  });

  test('the next sign-in asks for the code: the used one and a wrong one are refused, a fresh one gives aal2', async ({ page, rpHome, signInPage, totpPage }) => {
    test.setTimeout(WAITING_TEST_TIMEOUT);
    const { user, secret, usedCode, usedStep } = need();
    await signIn(rpHome, signInPage, user);
    await totpPage.expectShown();
    await expect(totpPage.heading).toHaveText('Tweestapsverificatie');

    // The IdP accepts ±1 step, so the enrolment's code still matches: it must be refused as used.
    expect(Date.now(), 'too late to test replay: the used code left the ±1 step window').toBeLessThan((usedStep + 2) * PERIOD_MS - 2_000);
    await totpPage.submit(usedCode);
    await totpPage.expectShown();
    await expect(totpPage.alert).toContainText('al gebruikt');

    await totpPage.submit(wrongCode(secret, timeStep(Date.now())));
    await totpPage.expectShown();
    await expect(totpPage.alert).toContainText('niet juist');

    const fresh = await freshCodeAfter(page, secret, usedStep);
    const started = performance.now();
    await totpPage.submit(fresh.code);
    await expect(rpHome.claimsJson).toBeVisible();
    console.log(`TOTP step (submit code to RP claims visible): ${(performance.now() - started).toFixed(0)} ms`);
    const claims = await rpHome.claims();
    expect(claims['acr']).toBe('aal2');
    expect(claims['amr']).toEqual(AMR_OTP);
  });

  test('a recovery code works once, instead of the app\'s code', async ({ page, rpHome, signInPage, totpPage, recoveryCodesPage }) => {
    const { user, recoveryCodes } = need();
    const [first = '', second = ''] = recoveryCodes;
    await signIn(rpHome, signInPage, user);
    await totpPage.expectShown();
    await totpPage.submitRecoveryCode(first);
    await recoveryCodesPage.expectNoticeShown();
    await expect(recoveryCodesPage.notice).toContainText('Er blijven er nog 9 over');
    await recoveryCodesPage.continue();
    const claims = await rpHome.claims();
    expect(claims['amr']).toEqual(['pwd', 'mfa']);
    expect(claims['acr']).toBe('aal2');

    // A later sign-in, from a browser without the IdP session: the same code no longer works.
    await page.context().clearCookies();
    await signIn(rpHome, signInPage, user);
    await totpPage.expectShown();
    await totpPage.submitRecoveryCode(first);
    await totpPage.expectShown();
    await expect(totpPage.alert).toContainText('niet juist');
    // The refused attempt used nothing up: the next code leaves 8 (typed into the app code's field, it counts too).
    await totpPage.submit(second);
    await recoveryCodesPage.expectNoticeShown();
    await expect(recoveryCodesPage.notice).toContainText('Er blijven er nog 8 over');
  });
});

test('step-up: a signed-in customer asked for aal2 goes straight to enrolment, then gets aal2', async ({ rpHome, signInPage, enrolPage, recoveryCodesPage, customer }) => {
  await signIn(rpHome, signInPage, customer);
  const before = await rpHome.claims();
  expect(before['acr']).toBe('aal1');

  await rpHome.startSignIn({ stepUp: true });
  await enrolPage.expectShown();
  await expect(signInPage.password).toHaveCount(0);
  const secret = await scanQr(enrolPage, customer.username);
  await enrolPage.confirm(totpNow(secret).code);
  await recoveryCodesPage.expectCodesShown();
  await recoveryCodesPage.continue();

  const after = await rpHome.claims();
  expect(after['acr']).toBe('aal2');
  expect(after['amr']).toEqual(AMR_OTP);
  expect(after['sub']).toBe(before['sub']);
  await expect(rpHome.page.getByTestId('stepup-notice')).toHaveCount(0);
});

test('keyboard only: enrolment and the code step work with Tab, typing and Enter', async ({ page, installer, rpHome, signInPage, enrolPage, totpPage, recoveryCodesPage }) => {
  test.setTimeout(WAITING_TEST_TIMEOUT);
  await signIn(rpHome, signInPage, installer);
  await enrolPage.expectShown();
  const secret = await enrolPage.manualKey();

  console.log(`Tab presses to the enrolment code field: ${await tabTo(page, enrolPage.code)} (0 = autofocused)`);
  const enrolment = totpNow(secret);
  await page.keyboard.type(enrolment.code);
  await expect(enrolPage.code).toHaveValue(enrolment.code);
  await pressAndWaitForNewPage(page, 'Enter');
  await recoveryCodesPage.expectCodesShown();
  console.log(`Tab presses to "continue" after the recovery codes: ${await tabTo(page, recoveryCodesPage.continueButton)}`);
  await pressAndWaitForNewPage(page, 'Enter');
  expect((await rpHome.claims())['acr']).toBe('aal2');

  await page.context().clearCookies();
  await signIn(rpHome, signInPage, installer);
  await totpPage.expectShown();
  const fresh = await freshCodeAfter(page, secret, enrolment.step);
  console.log(`Tab presses to the code field: ${await tabTo(page, totpPage.code)} (0 = autofocused)`);
  await page.keyboard.type(fresh.code);
  await expect(totpPage.code).toHaveValue(fresh.code);
  const started = performance.now();
  await pressAndWaitForNewPage(page, 'Enter');
  await expect(rpHome.claimsJson).toBeVisible();
  console.log(`TOTP step by keyboard (Enter to RP claims visible): ${(performance.now() - started).toFixed(0)} ms`);
  const claims = await rpHome.claims();
  expect(claims['acr']).toBe('aal2');
  expect(claims['amr']).toEqual(AMR_OTP);
});
