// Integration: a sign-out of the account that lands while the provider's logout confirm signs the
// browser out of one app only (RP-Initiated Logout without logout=yes: oidc-provider keeps the
// session and gives it a new id, resetIdentifier). The confirm loaded the session before the
// sign-out and saves it under the new id after: a row the sign-out never saw, so whoever held the
// old session keeps single sign-on. The sign-out is run at exactly that moment, from inside the
// destroy of the old id that the session's save does first, so the order is exact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { signOutEverywhere } from '../provider/account-sign-out.ts';
import { systemClock } from '../security/clock.ts';
import { duringDestroy } from '../testing/gate.ts';

const REDIRECT = 'http://127.0.0.1:8784/callback';

for (const backend of backends()) {
  describe(`a sign-out while a logout of one app keeps the session (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;

    before(async () => {
      idp = await startTestIdp({ backend });
      ({ rp, config } = await addPortal(idp, REDIRECT));
    });
    after(() => idp.stop());

    /** Signs in, then confirms a logout of the portal alone; `during` runs as the session's save ends its old id. */
    async function logoutOneAppAcross(username: string, password: string, during: () => Promise<void>, confirmPath?: string) {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const signedIn = await submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT);
      assert.ok(new URL(signedIn.url).searchParams.get('code'), `signed in: ${signedIn.url}`);
      const endUrl = `${idp.url}/session/end?client_id=portal`;
      const ask = await browser.request(endUrl);
      const form = findForm(await ask.text(), '/session/end/confirm', endUrl);
      const sessionId = browser.cookies.get('_session') ?? '';
      assert.ok(sessionId, 'the browser holds a session');
      const restore = duringDestroy(idp.app.provider.Session.adapter, sessionId, during);
      try {
        // Without logout=yes: only the app named is signed out, the session stays under a new id.
        const action = confirmPath === undefined ? form.action : new URL(confirmPath, form.action).href;
        const res = await browser.postForm(action, { xsrf: form.fields['xsrf'] ?? '' });
        assert.ok(res.status < 400, `confirm answered ${res.status}`);
      } finally {
        restore();
      }
      assert.notEqual(browser.cookies.get('_session'), sessionId, 'the session was given a new id');
      return browser;
    }

    async function liveSessionsOf(accountId: string): Promise<number> {
      return (await idp.db('oidc_models').where({ model: 'Session', account_id: accountId }).whereNull('consumed_at').select('id')).length;
    }

    test('no session survives: single sign-on asks for a sign-in', async () => {
      const user = await idp.addUser({ username: 'saar', password: 'saar-password-1' });
      const browser = await logoutOneAppAcross('saar', 'saar-password-1', async () => { await signOutEverywhere(idp.db, systemClock, user.id); });
      const silent = await openSignInPage(browser, await startSignIn(config, rp, { prompt: 'none' }), REDIRECT);
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', `no single sign-on after the sign-out: ${silent.url}`);
      assert.equal(await liveSessionsOf(user.id), 0);
    });

    // oidc-provider's router matches a path whatever its letters' case, and with one trailing slash:
    // the confirm answers there too, so the check must not look at the path as written.
    for (const confirmPath of ['/session/end/confirm/', '/Session/End/Confirm']) {
      test(`nor when the confirm is posted to ${confirmPath}, which the provider routes to the same confirm`, async () => {
        const user = await idp.addUser({ username: `saar${confirmPath.length}${confirmPath.charAt(1)}`, password: 'saar-password-1' });
        const browser = await logoutOneAppAcross(user.username, 'saar-password-1', async () => { await signOutEverywhere(idp.db, systemClock, user.id); }, confirmPath);
        const silent = await openSignInPage(browser, await startSignIn(config, rp, { prompt: 'none' }), REDIRECT);
        assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', `no single sign-on after the sign-out: ${silent.url}`);
        assert.equal(await liveSessionsOf(user.id), 0);
      });
    }

    test('without a sign-out the session stays (the test can tell the difference)', async () => {
      const user = await idp.addUser({ username: 'tijs', password: 'tijs-password-1' });
      const browser = await logoutOneAppAcross('tijs', 'tijs-password-1', async () => undefined);
      const silent = await openSignInPage(browser, await startSignIn(config, rp, { prompt: 'none' }), REDIRECT);
      assert.ok(new URL(silent.url).searchParams.get('code'), `single sign-on works: ${silent.url}`);
      assert.equal(await liveSessionsOf(user.id), 1);
    });
  });
}
