// Integration: what a sign-in made before an operator changed the account is still worth. Someone
// made an installer (a role that must use the second factor) after signing in with the password
// alone gets no token from that sign-in; a disabled account's session asks for a sign-in again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, passwordSignIn, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';

const REDIRECT = 'http://127.0.0.1:8768/callback';

for (const backend of backends()) {
  describe(`account changes after a sign-in (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;

    before(async () => {
      idp = await startTestIdp({ backend });
      await idp.addClient({
        client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true,
        grant_types: ['authorization_code', 'refresh_token'],
      });
      rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
      config = await discover(rp);
    });
    after(() => idp.stop());

    async function open(browser: TestBrowser, extra: Record<string, string> = {}) {
      return openSignInPage(browser, await startSignIn(config, rp, extra), REDIRECT);
    }

    test('made an installer after a password-only sign-in: no token from it, enrolment on the next request', async () => {
      const user = await idp.addUser({ username: 'rik', password: 'customer-password-1' });
      const browser = new TestBrowser();
      const started = await startSignIn(config, rp, { scope: 'openid offline_access', prompt: 'consent' });
      const page0 = await openSignInPage(browser, started, REDIRECT);
      let landed = await submit(browser, page0.url, page0.html, '/login', { username: 'rik', password: 'customer-password-1' }, REDIRECT);
      // offline_access needs prompt=consent (OIDC Core 11), so even a first-party app shows the page.
      if (!landed.url.startsWith(REDIRECT)) landed = await submit(browser, landed.url, landed.html, '/consent', {}, REDIRECT);
      const tokens = await redeem(config, landed.url, started);
      assert.equal(tokens.claims()?.acr, 'aal1');
      assert.ok(tokens.refresh_token, 'the app holds a refresh token');

      await idp.app.accounts.setRole(user.id, 'installer');

      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token), (err: unknown) => (err as { error?: string }).error === 'invalid_grant');
      const silent = await open(browser, { prompt: 'none' });
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required');
      assert.equal(new URL(silent.url).searchParams.get('code'), null);
      const page = await open(browser);
      assert.ok(!page.url.startsWith(REDIRECT), 'no code without the second factor');
      assert.match(page.html, /data-testid="totp-qr"/, 'straight to enrolment, as a step-up');
    });

    test('a disabled account\'s session asks for a sign-in again (login_required with prompt=none), never a 500', async () => {
      const user = await idp.addUser({ username: 'dis', password: 'customer-password-2' });
      const browser = new TestBrowser();
      await passwordSignIn(browser, config, rp, 'dis', 'customer-password-2');

      await idp.app.accounts.setDisabled(user.id, true);

      const silent = await open(browser, { prompt: 'none' });
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required');
      const page = await open(browser);
      assert.equal(page.status, 200);
      assert.match(page.html, /name="password"/);
    });
  });
}
