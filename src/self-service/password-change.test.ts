// Integration: the account page's password change refuses a bad new password before it checks the
// current password and code, and answers every refusal on a page that does not lose the form.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestBrowser, alertText } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { accountSignIn, enrolOnAccountPage, postAccountForm as post } from '../testing/account-page.ts';
import { manualClock } from '../security/clock.ts';
import { PASSWORD_MAX_LENGTH } from '../factors/password.ts';
import { timeStepAt, totpAt } from '../factors/totp.ts';

for (const backend of backends()) {
  describe(`account page password change (${backend.name})`, () => {
    let idp: TestIdp;
    const clock = manualClock(Date.now());
    before(async () => {
      idp = await startTestIdp({ backend, clock });
      await idp.addUser({ username: 'noor', password: 'noor-password-1' });
    });
    after(() => idp.stop());

    test('a mistyped new password does not use up the code: the same code works once the form is right', async () => {
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const overview = await accountSignIn(browser, idp.url, 'noor', 'noor-password-1', undefined, clock.now());
      const { secret } = await enrolOnAccountPage(browser, overview, 'noor-password-1', clock.now());
      clock.advance(30_000);
      const code = await totpAt(secret, timeStepAt(clock.now()));
      const form = { password: 'noor-password-1', code, new_password: 'noor-password-2', new_password_repeat: 'noor-password-2' };
      const overviewAgain = await browser.follow(`${idp.url}/account`);
      const current = { url: overviewAgain.url, html: await overviewAgain.res.text() };
      const mismatch = await post(browser, current, '/password', { ...form, new_password_repeat: 'noor-password-3' });
      assert.equal(mismatch.status, 400);
      assert.equal(alertText(mismatch.html), 'The two new passwords are not the same.');
      const changed = await post(browser, current, '/password', form);
      assert.equal(changed.url, `${idp.url}/account?notice=password-changed`, `refused: ${alertText(changed.html)}`);
    });

    test('an over-long current password or a throttled attempt is answered without a form that lacks the new password', async () => {
      await idp.addUser({ username: 'ravi', password: 'ravi-password-1' });
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const overview = await accountSignIn(browser, idp.url, 'ravi', 'ravi-password-1', undefined, clock.now());
      const next = { new_password: 'ravi-password-2', new_password_repeat: 'ravi-password-2' };
      const long = await post(browser, overview, '/password', { password: 'p'.repeat(PASSWORD_MAX_LENGTH + 1), ...next });
      assert.equal(long.status, 400);
      assert.match(alertText(long.html), /too long/);
      // The confirm page posted to /password with only the current password, and its "Confirm" ended in "too short".
      assert.doesNotMatch(long.html, /action="[^"]*\/account\/password"/);
      let last = long;
      for (let i = 0; i < 6 && last.status !== 429; i++) last = await post(browser, overview, '/password', { password: `wrong-${i}`, ...next });
      assert.equal(last.status, 429);
      assert.doesNotMatch(last.html, /action="[^"]*\/account\/password"/);
      assert.match(last.html, /href="\/account"/);
    });
  });
}
