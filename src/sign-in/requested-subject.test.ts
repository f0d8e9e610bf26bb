// Integration: an app that names the person it wants (id_token_hint, OIDC Core 3.1.2.1; the claims
// parameter's sub value, 5.5.1) gets that person or login_required at its redirect URI, never the
// tokens of whoever else signs in on our page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, passwordSignIn, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import type * as oidc from 'openid-client';

const REDIRECT = 'http://127.0.0.1:8772/callback';

for (const backend of backends()) {
  describe(`the person the app asked for (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    let ritaIdToken = '';
    let ritaSub = '';
    before(async () => {
      idp = await startTestIdp({ backend });
      await idp.addUser({ username: 'rita', password: 'rita-password-long' });
      await idp.addUser({ username: 'sam', password: 'sam-password-long-1' });
      await idp.addUser({ username: 'ivo', password: 'ivo-password-long-1', role: 'installer' });
      ({ rp, config } = await addPortal(idp, REDIRECT));
      const tokens = await passwordSignIn(new TestBrowser(), config, rp, 'rita', 'rita-password-long');
      ritaIdToken = tokens.id_token ?? '';
      ritaSub = String(tokens.claims()?.sub);
    });
    after(() => idp.stop());

    /** A fresh browser asks for rita in `extra`'s way and signs in as `username`. */
    async function signInAs(username: string, password: string, extra: Record<string, string>) {
      const browser = new TestBrowser();
      const started = await startSignIn(config, rp, extra);
      const page = await openSignInPage(browser, started, REDIRECT);
      assert.match(page.html, /name="password"/);
      return { started, after: await submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT) };
    }

    const askedForRita = (): Array<Record<string, string>> => [{ id_token_hint: ritaIdToken }, { claims: JSON.stringify({ id_token: { sub: { value: ritaSub } } }) }];

    test('another account signing in gets login_required at the redirect URI, with the state, and no code', async () => {
      for (const extra of askedForRita()) {
        const { started, after: landed } = await signInAs('sam', 'sam-password-long-1', extra);
        assert.ok(landed.url.startsWith(REDIRECT), `back at the app for ${Object.keys(extra).join()}, got ${landed.status} ${landed.url}`);
        const callback = new URL(landed.url);
        assert.equal(callback.searchParams.get('error'), 'login_required');
        assert.equal(callback.searchParams.get('state'), started.state);
        assert.equal(callback.searchParams.get('code'), null);
      }
    });

    test('the refusal comes right after the password, before a second factor is asked or set up', async () => {
      for (const extra of askedForRita()) {
        // An installer without TOTP would be taken to enrolment next.
        const { started, after: landed } = await signInAs('ivo', 'ivo-password-long-1', extra);
        assert.ok(landed.url.startsWith(REDIRECT), `back at the app, not at enrolment, got ${landed.status} ${landed.url}`);
        assert.equal(new URL(landed.url).searchParams.get('error'), 'login_required');
        assert.equal(new URL(landed.url).searchParams.get('state'), started.state);
      }
    });

    test('a sub value that is no string is refused at once, not after a sign-in that could never match', async () => {
      for (const value of [7, null, true, { id: ritaSub }]) {
        const started = await startSignIn(config, rp, { claims: JSON.stringify({ id_token: { sub: { value } } }) });
        const landed = await openSignInPage(new TestBrowser(), started, REDIRECT);
        assert.ok(landed.url.startsWith(REDIRECT), `back at the app for ${JSON.stringify(value)}, got ${landed.url}`);
        assert.equal(new URL(landed.url).searchParams.get('error'), 'invalid_request');
      }
    });

    test('the account asked for signs in as usual', async () => {
      for (const extra of askedForRita()) {
        const { started, after: landed } = await signInAs('rita', 'rita-password-long', extra);
        assert.ok(landed.url.startsWith(REDIRECT));
        assert.equal((await redeem(config, landed.url, started)).claims()?.sub, ritaSub);
      }
    });
  });
}
