// Integration: a sign-out of the account (an operator's password reset, reset-2fa, disable, the
// account page's "sign out everywhere else") that lands while the provider resumes a finished
// sign-in, after it consumed the interaction and before it saved the session and the code, leaves
// that sign-in nothing: no code for the app, no session for single sign-on. The sign-out is run at
// exactly that moment, from inside the interaction's destroy, so the order is exact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, startSignIn, type RpOptions } from '../testing/relying-party.ts';
import { signOutEverywhere } from '../provider/account-sign-out.ts';
import { systemClock } from '../security/clock.ts';
import { duringDestroy } from '../testing/gate.ts';

const REDIRECT = 'http://127.0.0.1:8781/callback';

for (const backend of backends()) {
  describe(`a sign-out while a sign-in resumes (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;

    before(async () => {
      idp = await startTestIdp({ backend });
      ({ rp, config } = await addPortal(idp, REDIRECT));
    });
    after(() => idp.stop());

    /**
     * Signs in with the password and resumes; `during` runs right after the resume has consumed the
     * interaction (the provider's destroy), before anything else of the resume is saved.
     */
    async function resumeAcross(username: string, password: string, during: () => Promise<void>, params: Record<string, string> = {}) {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp, params), REDIRECT);
      const form = findForm(page.html, '/login', page.url);
      const posted = await browser.postForm(form.action, { ...form.fields, username, password });
      assert.equal(posted.status, 303);
      const resumeUrl = new URL(posted.headers.get('location') ?? '', form.action);
      const interactionId = resumeUrl.pathname.split('/').at(-1) ?? '';
      const restore = duringDestroy(idp.app.provider.Interaction.adapter, interactionId, during);
      try {
        const landed = await browser.follow(resumeUrl.href, (u) => u.startsWith(REDIRECT));
        return { browser, url: landed.url, status: landed.res.status, html: landed.url.startsWith(REDIRECT) ? '' : await landed.res.text() };
      } finally {
        restore();
      }
    }

    async function codesOf(accountId: string): Promise<number> {
      return (await idp.db('oidc_models').where({ model: 'AuthorizationCode', account_id: accountId }).select('id')).length;
    }

    test('the resume answers an error page, not a code, and keeps no session', async () => {
      const user = await idp.addUser({ username: 'vera', password: 'vera-password-1' });
      const landed = await resumeAcross('vera', 'vera-password-1', async () => { await signOutEverywhere(idp.db, systemClock, user.id); });
      assert.ok(!landed.url.startsWith(REDIRECT), `no redirect to the app: ${landed.url}`);
      assert.equal(landed.status, 409);
      assert.match(landed.html, /meld je opnieuw aan/);
      assert.equal(await codesOf(user.id), 0, 'the code saved meanwhile is gone');
      const silent = await openSignInPage(landed.browser, await startSignIn(config, rp, { prompt: 'none' }), REDIRECT);
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', 'no single sign-on from that resume');
    });

    test('without a sign-out the same resume goes through (the test can tell the difference)', async () => {
      const user = await idp.addUser({ username: 'wim', password: 'wim-password-1' });
      const landed = await resumeAcross('wim', 'wim-password-1', async () => undefined);
      assert.ok(new URL(landed.url).searchParams.get('code'), `landed on ${landed.url}`);
      assert.equal(await codesOf(user.id), 1);
      const silent = await openSignInPage(landed.browser, await startSignIn(config, rp, { prompt: 'none' }), REDIRECT);
      assert.ok(new URL(silent.url).searchParams.get('code'), 'single sign-on works');
    });

    test('also when the resume goes on to another step (consent): no consent page, no session', async () => {
      // The resume saves the session and starts a new interaction for consent; the context's
      // Interaction is then that new one, so the check must know the one that was resumed.
      const consent = { scope: 'openid offline_access', prompt: 'consent' };
      const control = await idp.addUser({ username: 'zeno', password: 'zeno-password-1' });
      const goesOn = await resumeAcross('zeno', 'zeno-password-1', async () => undefined, consent);
      assert.match(goesOn.html, /\/consent"/, `without a sign-out the resume shows the consent step (${control.id})`);
      const user = await idp.addUser({ username: 'zora', password: 'zora-password-1' });
      const landed = await resumeAcross('zora', 'zora-password-1', async () => { await signOutEverywhere(idp.db, systemClock, user.id); }, consent);
      assert.equal(landed.status, 409, `the error page, not the consent step: ${landed.url}`);
      assert.doesNotMatch(landed.html, /\/consent"/);
      const silent = await openSignInPage(landed.browser, await startSignIn(config, rp, { prompt: 'none' }), REDIRECT);
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', 'no single sign-on from that resume');
    });

    test('a sign-out of another account during the resume changes nothing for this one', async () => {
      const other = await idp.addUser({ username: 'xander', password: 'xander-password-1' });
      await idp.addUser({ username: 'yara', password: 'yara-password-1' });
      const landed = await resumeAcross('yara', 'yara-password-1', async () => { await signOutEverywhere(idp.db, systemClock, other.id); });
      assert.ok(new URL(landed.url).searchParams.get('code'), `landed on ${landed.url}`);
    });
  });
}
