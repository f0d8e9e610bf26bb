// Attacks on the authorization code: replay (the second redemption fails and kills what the first
// one issued), racing redemptions, PKCE downgrade (plain, no challenge, no or wrong verifier), and
// state/nonce passed back untouched (RFC 6749 §4.1.2, RFC 7636, RFC 9700 §2.1.1, OIDC Core 3.1.2.6).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addTestClients, authRequest, CONFIDENTIAL_CLIENT, isActive, isCallback, newBrowser, open, passwordStep, pkce, PUBLIC_CLIENT, redeem, submit, tokenRequest, type TestClient } from './flows.ts';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;


/** One request of a race won (so the grant works at all); every other one was refused as a replay. */
function assertOneWinner(results: ReadonlyArray<{ status: number; json: { error?: unknown } }>): void {
  const summary = results.map((r) => `${r.status} ${String(r.json.error ?? '')}`).join(', ');
  assert.equal(results.filter((r) => r.status === 200).length, 1, summary);
  assert.ok(results.every((r) => r.status === 200 || (r.status === 400 && r.json.error === 'invalid_grant')), summary);
}

for (const backend of backends()) {
  describe(`authorization code attacks (${backend.name})`, () => {
    let idp: TestIdp;
    let browser: TestBrowser;

    /** A fresh code from the signed-in browser (SSO: no password; consent answered when asked). */
    async function codeFor(client: TestClient, extra: Record<string, string> = {}) {
      const started = authRequest(idp, client, extra);
      let page = await open(browser, started.url);
      if (!isCallback(page.url) && page.html.includes('/consent"')) page = await submit(browser, page, '/consent');
      assert.ok(isCallback(page.url), `expected the callback, got ${page.status} ${page.url}`);
      const callback = new URL(page.url);
      return { started, callback, code: callback.searchParams.get('code') ?? '' };
    }

    const userinfo = async (token: string) => (await fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

    before(async () => {
      idp = await startTestIdp({ backend });
      await addTestClients(idp);
      await idp.addUser({ username: 'rita', password: 'rita-password-long' });
      browser = newBrowser();
      const first = await passwordStep(browser, idp, CONFIDENTIAL_CLIENT, 'rita', 'rita-password-long');
      assert.ok(isCallback(first.page.url));
    });
    after(() => idp.stop());

    test('a replayed code is refused and revokes the tokens the first redemption issued', async () => {
      for (const client of [CONFIDENTIAL_CLIENT, PUBLIC_CLIENT]) {
        const { started, code } = await codeFor(client, { scope: 'openid offline_access', prompt: 'consent' });
        const first = await redeem(idp, client, code, started.verifier);
        assert.equal(first.status, 200, JSON.stringify(first.json));
        const access = String(first.json.access_token);
        const refresh = String(first.json.refresh_token);
        assert.equal(await userinfo(access), 200);
        if (client.client_secret) assert.equal(await isActive(idp, client, access), true);

        const second = await redeem(idp, client, code, started.verifier);
        assert.equal(second.status, 400);
        assert.equal(second.json.error, 'invalid_grant');
        assert.equal(second.json.access_token, undefined);
        assert.equal(await userinfo(access), 401, 'the first access token no longer works');
        if (client.client_secret) assert.equal(await isActive(idp, client, access), false, 'introspection says inactive');
        const refreshed = await tokenRequest(idp, client, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }));
        assert.equal(refreshed.status, 400, 'the refresh token died with the grant');
      }
    });

    test('redemptions racing for one code: exactly one succeeds, the others get invalid_grant', async () => {
      const { started, code } = await codeFor(CONFIDENTIAL_CLIENT);
      const results = await Promise.all(Array.from({ length: 4 }, () => redeem(idp, CONFIDENTIAL_CLIENT, code, started.verifier)));
      assertOneWinner(results);
    });

    test('refresh-token rotations racing for one token: exactly one succeeds, the others get invalid_grant', async () => {
      const { started, code } = await codeFor(CONFIDENTIAL_CLIENT, { scope: 'openid offline_access', prompt: 'consent' });
      const refresh = String((await redeem(idp, CONFIDENTIAL_CLIENT, code, started.verifier)).json.refresh_token);
      const results = await Promise.all(Array.from({ length: 4 }, () => tokenRequest(idp, CONFIDENTIAL_CLIENT, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }))));
      assertOneWinner(results);
    });

    test('PKCE cannot be downgraded: plain, a missing challenge, a missing or wrong verifier', async () => {
      const { verifier } = pkce();
      for (const [client, extra] of [
        [PUBLIC_CLIENT, { code_challenge_method: 'plain', code_challenge: verifier }],
        [CONFIDENTIAL_CLIENT, { code_challenge_method: 'plain', code_challenge: verifier }],
        [PUBLIC_CLIENT, { code_challenge: '', code_challenge_method: '' }],
        [PUBLIC_CLIENT, { code_challenge: 'a'.repeat(42) }],
      ] as Array<[TestClient, Record<string, string>]>) {
        const started = authRequest(idp, client, extra);
        const params = new URLSearchParams(new URL(started.url).search);
        for (const [k, v] of Object.entries(extra)) if (v === '') params.delete(k);
        const page = await open(browser, `${idp.url}/auth?${params.toString()}`);
        const callback = new URL(page.url);
        assert.equal(callback.searchParams.get('code'), null, `a code for ${JSON.stringify(extra)}`);
        assert.equal(callback.searchParams.get('error'), 'invalid_request', JSON.stringify(extra));
      }
      // A challenge without a method means "plain" (RFC 7636 §4.3): refused as well.
      const implicitPlain = await open(browser, authRequest(idp, PUBLIC_CLIENT, { code_challenge: verifier }).url.replace('&code_challenge_method=S256', ''));
      assert.equal(new URL(implicitPlain.url).searchParams.get('code'), null);

      for (const client of [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT]) {
        const { started, code } = await codeFor(client);
        for (const wrong of [undefined, pkce().verifier, started.verifier.slice(0, -1) + (started.verifier.endsWith('A') ? 'B' : 'A'), new URL(started.url).searchParams.get('code_challenge') ?? '']) {
          const res = await redeem(idp, client, code, wrong);
          assert.equal(res.status, 400, `verifier ${String(wrong)}`);
          assert.equal(res.json.error, 'invalid_grant');
        }
      }
    });

    test('state and nonce come back exactly as sent, on success and on error', async () => {
      const state = 'st ä€😀 &=#%+/?<>"\'' + 'x'.repeat(300);
      const nonce = 'nonce ä€😀 &=#%+' + 'y'.repeat(100);
      const ok = await codeFor(CONFIDENTIAL_CLIENT, { state, nonce });
      assert.equal(ok.callback.searchParams.get('state'), state);
      assert.equal(ok.callback.searchParams.get('iss'), idp.config.issuer, 'RFC 9207 iss on the response');
      const tokens = await redeem(idp, CONFIDENTIAL_CLIENT, ok.code, ok.started.verifier);
      assert.equal(claimsOf(String(tokens.json.id_token)).nonce, nonce);

      const withoutState = new URL(authRequest(idp, CONFIDENTIAL_CLIENT).url);
      withoutState.searchParams.delete('state');
      const noState = new URL((await open(browser, withoutState.href)).url);
      assert.ok(noState.searchParams.get('code'));
      assert.equal(noState.searchParams.get('state'), null, 'no state invented');
      const denied = await open(newBrowser(), authRequest(idp, PUBLIC_CLIENT, { state, prompt: 'none' }).url);
      const error = new URL(denied.url);
      assert.equal(error.searchParams.get('error'), 'login_required');
      assert.equal(error.searchParams.get('state'), state);
      const fresh = newBrowser();
      const login = await open(fresh, authRequest(idp, PUBLIC_CLIENT, { state }).url);
      const cancelled = new URL((await submit(fresh, login, '/abort')).url);
      assert.equal(cancelled.searchParams.get('error'), 'access_denied');
      assert.equal(cancelled.searchParams.get('state'), state);
    });
  });
}
