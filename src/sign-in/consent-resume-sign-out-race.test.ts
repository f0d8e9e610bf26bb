// Integration: a sign-out of the account that lands while the provider resumes a consent step with
// no sign-in of its own (a third-party app asked, the browser was already signed in), after the
// resume loaded the session and consumed the interaction, before it saved the session. The resume
// gives the session a new id (oidc-provider's resetIdentifier) and saves it in a finally, whatever
// the rest of the request does: a row under an id the sign-out never saw. The sign-out is run at
// exactly that moment, from inside the interaction's destroy, so the order is exact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { signOutEverywhere } from '../provider/account-sign-out.ts';
import { systemClock } from '../security/clock.ts';
import { duringDestroy } from '../testing/gate.ts';

const REDIRECT = 'http://127.0.0.1:8783/callback';

for (const backend of backends()) {
  describe(`a sign-out while a consent step of a signed-in browser resumes (${backend.name})`, () => {
    let idp: TestIdp;
    let portal: RpOptions;
    let portalConfig: oidc.Configuration;
    let app: RpOptions;
    let appConfig: oidc.Configuration;

    before(async () => {
      idp = await startTestIdp({ backend });
      await idp.addClient({ client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true });
      await idp.addClient({ client_id: 'third-party', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' });
      portal = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
      app = { issuer: idp.config.issuer, clientId: 'third-party', redirectUri: REDIRECT };
      portalConfig = await discover(portal);
      appConfig = await discover(app);
    });
    after(() => idp.stop());

    /** Signs in at the portal, opens the third-party app's consent step and approves it; `during` runs once the resume consumed that interaction. */
    async function consentAcross(username: string, password: string, during: () => Promise<void>) {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(portalConfig, portal), REDIRECT);
      const signedIn = await submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT);
      assert.ok(new URL(signedIn.url).searchParams.get('code'), `signed in at the portal: ${signedIn.url}`);
      const consentPage = await openSignInPage(browser, await startSignIn(appConfig, app), REDIRECT);
      const form = findForm(consentPage.html, '/consent', consentPage.url);
      const posted = await browser.postForm(form.action, form.fields);
      assert.equal(posted.status, 303);
      const resumeUrl = new URL(posted.headers.get('location') ?? '', form.action);
      const interactionId = resumeUrl.pathname.split('/').at(-1) ?? '';
      const restore = duringDestroy(idp.app.provider.Interaction.adapter, interactionId, during);
      try {
        const landed = await browser.follow(resumeUrl.href, (u) => u.startsWith(REDIRECT));
        return { browser, url: landed.url };
      } finally {
        restore();
      }
    }

    async function liveSessionsOf(accountId: string): Promise<number> {
      return (await idp.db('oidc_models').where({ model: 'Session', account_id: accountId }).whereNull('consumed_at').select('id')).length;
    }

    test('no session survives: single sign-on at the portal asks for a sign-in', async () => {
      const user = await idp.addUser({ username: 'quinn', password: 'quinn-password-1' });
      const landed = await consentAcross('quinn', 'quinn-password-1', async () => { await signOutEverywhere(idp.db, systemClock, user.id); });
      assert.equal(new URL(landed.url).searchParams.get('code'), null, `landed on ${landed.url}`);
      const silent = await openSignInPage(landed.browser, await startSignIn(portalConfig, portal, { prompt: 'none' }), REDIRECT);
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', `no single sign-on from that resume: ${silent.url}`);
      assert.equal(await liveSessionsOf(user.id), 0, 'no live session of the account after the sign-out');
    });

    test('without a sign-out the same consent goes through (the test can tell the difference)', async () => {
      const user = await idp.addUser({ username: 'rory', password: 'rory-password-1' });
      const landed = await consentAcross('rory', 'rory-password-1', async () => undefined);
      assert.ok(new URL(landed.url).searchParams.get('code'), `landed on ${landed.url}`);
      assert.equal(await liveSessionsOf(user.id), 1);
      const silent = await openSignInPage(landed.browser, await startSignIn(portalConfig, portal, { prompt: 'none' }), REDIRECT);
      assert.ok(new URL(silent.url).searchParams.get('code'), 'single sign-on works');
    });

    test('a consent step after a sign-in in the same flow, once the account was signed out elsewhere: a page saying so, not a 500, and no code', async () => {
      const user = await idp.addUser({ username: 'rune', password: 'rune-password-1' });
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(appConfig, app), REDIRECT);
      const consentPage = await submit(browser, page.url, page.html, '/login', { username: 'rune', password: 'rune-password-1' }, REDIRECT);
      const form = findForm(consentPage.html, '/consent', consentPage.url);
      // "Sign out everywhere else" from this very session: it is kept, with its consent step, but
      // the account's sign-out count moves on, and the login this step carries began before it.
      const sessionId = browser.cookies.get('_session') ?? '';
      const row = await idp.db('oidc_models').where({ model: 'Session', id: sessionId }).first('uid') as { uid: string } | undefined;
      assert.ok(row, 'the browser holds a stored session');
      await signOutEverywhere(idp.db, systemClock, user.id, { id: sessionId, uid: row.uid });
      const posted = await browser.postForm(form.action, form.fields);
      assert.equal(posted.status, 409, 'the consent is refused with a page, not a server error');
      assert.match(await posted.text(), /werd gewijzigd terwijl je je aanmeldde/, 'it says why, in the page language');
      const again = await browser.postForm(form.action, form.fields);
      assert.equal(again.status, 400, 'the step is over: a second try meets an expired sign-in, not the consent page');
      assert.equal(await idp.db('oidc_models').where({ model: 'AuthorizationCode', account_id: user.id }).first('id'), undefined);
    });
  });
}
