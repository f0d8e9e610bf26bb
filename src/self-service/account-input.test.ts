// Integration: the account page refuses an over-long password whole (never cut to the stored one)
// and a malformed code with its own 400 message, uncounted, on enrolment and re-confirmation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm, TestBrowser, alertText, secretOf } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { manualClock } from '../security/clock.ts';
import { PASSWORD_MAX_LENGTH } from '../factors/password.ts';
import { timeStepAt, totpAt } from '../factors/totp.ts';

const LONG_PASSWORD = 'Ap-'.padEnd(PASSWORD_MAX_LENGTH, 'y');
type Page = { url: string; status: number; html: string };

for (const backend of backends()) {
  describe(`account page input (${backend.name})`, () => {
    let idp: TestIdp;
    const clock = manualClock(Date.now());
    before(async () => {
      idp = await startTestIdp({ backend, clock });
      await idp.addUser({ username: 'max', password: LONG_PASSWORD });
    });
    after(() => idp.stop());

    /** Opens /account and signs in with the password (and a code when `secret` is given). */
    async function signIn(browser: TestBrowser, password: string, secret?: string): Promise<Page> {
      const first = await browser.follow(`${idp.url}/account`);
      let page: Page = { url: first.url, status: first.res.status, html: await first.res.text() };
      page = await post(browser, page, '/login', { username: 'max', password });
      if (secret) page = await post(browser, page, '/totp', { code: await totpAt(secret, timeStepAt(clock.now())) });
      return page;
    }

    async function post(browser: TestBrowser, page: Page, action: string, values: Record<string, string> = {}): Promise<Page> {
      const form = findForm(page.html, action, page.url);
      const res = await browser.postForm(form.action, { ...form.fields, ...values });
      if (res.status !== 303 && res.status !== 302) return { url: form.action, status: res.status, html: await res.text() };
      const landed = await browser.follow(new URL(res.headers.get('location') ?? '', form.action).href);
      return { url: landed.url, status: landed.res.status, html: await landed.res.text() };
    }

    test('re-confirmation and password change: the stored password plus anything is a 400, not a confirmation', async () => {
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const overview = await signIn(browser, LONG_PASSWORD);
      assert.equal(overview.url, `${idp.url}/account`);
      const confirm = await post(browser, overview, '/2fa/enable');
      const padded = await post(browser, confirm, '/2fa/enable', { password: `${LONG_PASSWORD}anything-else-at-all` });
      assert.equal(padded.status, 400);
      assert.equal(alertText(padded.html), 'The password is too long: a password has at most 1024 characters.');
      assert.doesNotMatch(padded.html, /data-testid="totp-qr"/);
      const changed = await post(browser, overview, '/password', { password: `${LONG_PASSWORD}${'j'.repeat(9000)}`, new_password: 'max-password-2', new_password_repeat: 'max-password-2' });
      assert.equal(changed.status, 400);
      assert.match(alertText(changed.html), /too long/);
      const tooLongNew = 'n'.repeat(PASSWORD_MAX_LENGTH + 1);
      const refused = await post(browser, overview, '/password', { password: LONG_PASSWORD, new_password: tooLongNew, new_password_repeat: tooLongNew });
      assert.equal(refused.status, 400);
      assert.match(alertText(refused.html), /The new password is too long/);
      assert.equal((await signIn(new TestBrowser(), LONG_PASSWORD)).url, `${idp.url}/account`, 'the password is unchanged');
    });

    test('enrolment and re-confirmation: a malformed code is a 400 asking for the 6 digits, with the same secret', async () => {
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const overview = await signIn(browser, LONG_PASSWORD);
      const confirm = await post(browser, overview, '/2fa/enable');
      let enrol = await post(browser, confirm, '/2fa/enable', { password: LONG_PASSWORD });
      const secret = secretOf(enrol.html);
      assert.equal(secret.length, 32);
      for (const bad of ['', '12345', '1234567', 'abc123']) {
        enrol = await post(browser, enrol, '/2fa/enrol', { code: bad });
        assert.equal(enrol.status, 400, JSON.stringify(bad));
        assert.equal(alertText(enrol.html), 'Enter the 6 digits from your app.');
        assert.equal(secretOf(enrol.html), secret);
      }
      const code = await totpAt(secret, timeStepAt(clock.now()));
      const enrolled = await post(browser, enrol, '/2fa/enrol', { code: `${code.slice(0, 3)}-${code.slice(3)}` });
      assert.equal(enrolled.status, 200);

      clock.advance(30_000);
      const other = new TestBrowser({ 'accept-language': 'en' });
      const next = await signIn(other, LONG_PASSWORD, secret);
      assert.equal(next.url, `${idp.url}/account`);
      // Past the confirmation window of the sign-in, so turning 2FA off asks for the password and a code.
      clock.advance(6 * 60_000);
      const disable = await post(other, next, '/2fa/disable');
      assert.match(disable.html, /name="code"/);
      for (let i = 0; i < 6; i++) {
        const typo = await post(other, disable, '/2fa/disable', { password: LONG_PASSWORD, code: 'abc123' });
        assert.equal(typo.status, 400);
        assert.equal(alertText(typo.html), 'Enter the 6 digits from your app, or one of your recovery codes.');
      }
      const done = await post(other, disable, '/2fa/disable', { password: LONG_PASSWORD, code: await totpAt(secret, timeStepAt(clock.now())) });
      assert.equal(done.url, `${idp.url}/account?notice=2fa-disabled`, 'the typos were not counted by the throttle');
    });

    test('revoking an app with an over-long client_id is refused, not cut', async () => {
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const overview = await signIn(browser, LONG_PASSWORD);
      const csrf = findForm(overview.html, '/password', overview.url).fields.csrf ?? '';
      const res = await browser.postForm(`${idp.url}/account/apps/revoke`, { csrf, client_id: 'c'.repeat(201) });
      assert.equal(res.status, 400);
    });
  });
}
