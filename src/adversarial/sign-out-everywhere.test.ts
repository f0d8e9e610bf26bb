// Integration: after turning the second factor off, a person who asks for it signs out every other
// browser (issue 7 item 3); one who does not ask keeps them. A thief's copy of a session is then
// worth nothing. (Changing the password is covered in src/self-service/account-page.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { manualClock } from '../security/clock.ts';
import { generateTotpSecret, timeStepAt, totpAt } from '../factors/totp.ts';

for (const backend of backends()) {
  describe(`sign out everywhere after a factor change (${backend.name})`, () => {
    let idp: TestIdp;
    const clock = manualClock(Date.now());

    before(async () => {
      idp = await startTestIdp({ backend, clock });
    });
    after(() => idp.stop());

    /** A customer with TOTP, so the second factor can be turned off. */
    async function customerWithTotp(username: string): Promise<string> {
      const user = await idp.addUser({ username, password: `${username}-password-1` });
      const secret = generateTotpSecret();
      await idp.app.totp.enrol(user.id, secret, timeStepAt(clock.now()) - 1);
      return secret;
    }

    /** Signs in on /account with password and code (each code one step later, so none is a replay). */
    async function signIn(browser: TestBrowser, username: string, secret: string) {
      clock.advance(30_000);
      let landed = await browser.follow(`${idp.url}/account`);
      for (const [action, values] of [['/login', { username, password: `${username}-password-1` }], ['/totp', { code: await totpAt(secret, timeStepAt(clock.now())) }]] as const) {
        const form = findForm(await landed.res.text(), action, landed.url);
        const res = await browser.postForm(form.action, { ...form.fields, ...values });
        landed = await browser.follow(new URL(res.headers.get('location') ?? form.action, form.action).href);
      }
      const html = await landed.res.text();
      assert.match(html, /data-testid="disable-2fa"/);
      return { url: landed.url, html };
    }

    async function turnTotpOff(browser: TestBrowser, page: { url: string; html: string }, username: string, secret: string, endOthers: boolean) {
      const first = findForm(page.html, '/2fa/disable', page.url);
      const confirm = await browser.postForm(first.action, first.fields);
      const form = findForm(await confirm.text(), '/2fa/disable', first.action);
      clock.advance(30_000);
      // findForm reads every input, so the checkbox is taken out unless the person ticks it.
      const { end_other_sessions: _unticked, ...fields } = form.fields;
      const res = await browser.postForm(form.action, {
        ...fields, password: `${username}-password-1`, code: await totpAt(secret, timeStepAt(clock.now())), ...(endOthers ? { end_other_sessions: 'yes' } : {}),
      });
      assert.equal(res.status, 303);
      assert.match(res.headers.get('location') ?? '', /notice=2fa-disabled/);
    }

    const signedIn = async (browser: TestBrowser) => (await browser.request(`${idp.url}/account`)).status === 200;

    test('asked for: every other session of the account ends, this one stays', async () => {
      const secret = await customerWithTotp('fenna');
      const stolen = new TestBrowser();
      await signIn(stolen, 'fenna', secret);
      const mine = new TestBrowser();
      const page = await signIn(mine, 'fenna', secret);
      await turnTotpOff(mine, page, 'fenna', secret, true);
      assert.equal(await signedIn(stolen), false, 'the other browser is signed out');
      assert.equal(await signedIn(mine), true, 'this browser stays signed in');
    });

    test('a request of the other browser still in flight cannot save its ended session back', async () => {
      const secret = await customerWithTotp('hanna');
      const stolen = new TestBrowser();
      await signIn(stolen, 'hanna', secret);
      // What a request on the stolen session does: load it now, save it when it ends (the provider
      // re-saves every session it loaded), and the person signs everyone else out in between.
      const sessionId = stolen.cookies.get('_session') ?? '';
      const inFlight = await idp.app.provider.Session.find(sessionId);
      assert.ok(inFlight?.accountId, 'the stolen browser holds a live session');
      const mine = new TestBrowser();
      const page = await signIn(mine, 'hanna', secret);
      await turnTotpOff(mine, page, 'hanna', secret, true);
      await inFlight.save(3600);
      assert.equal(await signedIn(stolen), false, 'the late save did not bring the session back');
    });

    test('not asked for: the other sessions stay (it is the person\'s choice)', async () => {
      const secret = await customerWithTotp('gerd');
      const other = new TestBrowser();
      await signIn(other, 'gerd', secret);
      const mine = new TestBrowser();
      const page = await signIn(mine, 'gerd', secret);
      await turnTotpOff(mine, page, 'gerd', secret, false);
      assert.equal(await signedIn(other), true);
    });
  });
}
