// Integration: turning two-step verification off always offers "sign me out everywhere else", and
// the tick survives the confirm page and its refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { csrfOf, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { accountSignIn, enrolOnAccountPage } from '../testing/account-page.ts';
import { manualClock } from '../security/clock.ts';

/** The end-others checkbox of the form posting to `action`, if it has one, and whether it is ticked. */
function endOthersBox(html: string, action: string): 'absent' | 'ticked' | 'unticked' {
  const form = (html.match(/<form[\s\S]*?<\/form>/g) ?? []).find((f) => f.includes(`action="${action}"`)) ?? '';
  const box = /<input type="checkbox" name="end_other_sessions"[^>]*>/.exec(form)?.[0];
  if (!box) return 'absent';
  return /\schecked(\s|>)/.test(box) ? 'ticked' : 'unticked';
}

for (const backend of backends()) {
  describe(`account page, 2FA off and the other sessions (${backend.name})`, () => {
    let idp: TestIdp;
    const clock = manualClock(Date.now());
    before(async () => {
      idp = await startTestIdp({ backend, clock });
      await idp.addUser({ username: 'lien', password: 'lien-password-1' });
    });
    after(() => idp.stop());

    test('the choice is on the overview (a fresh confirmation skips the confirm page) and kept through a wrong password', async () => {
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const overview = await accountSignIn(browser, idp.url, 'lien', 'lien-password-1', undefined, clock.now());
      await enrolOnAccountPage(browser, overview, 'lien-password-1', clock.now());
      const withTotp = await (await browser.follow(`${idp.url}/account`)).res.text();
      // Just confirmed (enrolment), so "turn off" acts at once: the overview is the only place to choose.
      assert.equal(endOthersBox(withTotp, '/account/2fa/disable'), 'unticked');

      clock.advance(6 * 60_000);
      const csrf = csrfOf(withTotp);
      const ask = await browser.postForm(`${idp.url}/account/2fa/disable`, { csrf, end_other_sessions: 'yes' });
      assert.equal(endOthersBox(await ask.text(), '/account/2fa/disable'), 'ticked');
      const wrong = await browser.postForm(`${idp.url}/account/2fa/disable`, { csrf, end_other_sessions: 'yes', password: 'not-it', code: '000000' });
      assert.equal(wrong.status, 401);
      assert.equal(endOthersBox(await wrong.text(), '/account/2fa/disable'), 'ticked', 'a refusal keeps the tick');
      const unticked = await browser.postForm(`${idp.url}/account/2fa/disable`, { csrf });
      assert.equal(endOthersBox(await unticked.text(), '/account/2fa/disable'), 'unticked');
    });
  });
}
