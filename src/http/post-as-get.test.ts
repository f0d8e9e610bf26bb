// The authorization and logout endpoints take form POSTs (OIDC Core 3.1.2.1, RP-Initiated Logout
// §2) by answering 303 to the same endpoint as a GET; the session cookie stays SameSite=Lax.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { TestBrowser } from '../testing/browser.ts';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, passwordSignIn, type RpOptions } from '../testing/relying-party.ts';
import { getLocationFor } from './post-as-get.ts';

test('getLocationFor: the form\'s parameters as a query, after any already in the URL', () => {
  assert.equal(getLocationFor('/auth', '', 'client_id=app&scope=openid+email'), '/auth?client_id=app&scope=openid+email');
  assert.equal(getLocationFor('/idp/session/end', 'ui_locales=fr', 'state=a%26b'), '/idp/session/end?ui_locales=fr&state=a%26b');
  assert.equal(getLocationFor('/auth', '', ''), '/auth');
});

const REDIRECT = 'http://127.0.0.1:8769/callback';
const BYE = 'http://127.0.0.1:8769/bye';

describe('POST to the authorization and logout endpoints', () => {
  let idp: TestIdp;
  let rp: RpOptions;
  let config: oidc.Configuration;
  before(async () => {
    idp = await startTestIdp();
    await idp.addUser({ username: 'pat', password: 'pat-password-1' });
    await idp.addClient({ client_id: 'portal', redirect_uris: [REDIRECT], post_logout_redirect_uris: [BYE], token_endpoint_auth_method: 'none', jullix_first_party: true });
    rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
    config = await discover(rp);
  });
  after(() => idp.stop());

  async function authParams(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const verifier = oidc.randomPKCECodeVerifier();
    return {
      client_id: 'portal', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st-1', nonce: 'n-1',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
    };
  }

  test('a form POST to /auth is answered like the same GET: the sign-in page, or a code with a session', async () => {
    const fresh = new TestBrowser();
    const posted = await fresh.postForm(`${idp.url}/auth`, await authParams());
    assert.equal(posted.status, 303);
    const location = new URL(posted.headers.get('location') ?? '', idp.url);
    assert.equal(location.pathname, '/auth');
    assert.equal(location.searchParams.get('client_id'), 'portal');
    const page = await fresh.follow(location.href);
    assert.equal(page.res.status, 200);
    assert.match(await page.res.text(), /name="password"/);

    const signedIn = new TestBrowser();
    const tokens = await passwordSignIn(signedIn, config, rp, 'pat', 'pat-password-1');
    const again = await signedIn.postForm(`${idp.url}/auth`, await authParams({ prompt: 'none' }));
    const landed = await signedIn.follow(new URL(again.headers.get('location') ?? '', idp.url).href, (u) => u.startsWith(REDIRECT));
    const callback = new URL(landed.url);
    assert.equal(callback.origin + callback.pathname, REDIRECT);
    assert.ok(callback.searchParams.get('code'), 'SSO through the POST: the session cookie went along');
    assert.equal(callback.searchParams.get('state'), 'st-1');

    // RP-initiated logout by POST: the confirmation page, as for GET.
    const logout = await signedIn.postForm(`${idp.url}/session/end`, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: BYE, state: 'bye-1' });
    assert.equal(logout.status, 303);
    const confirm = await signedIn.follow(new URL(logout.headers.get('location') ?? '', idp.url).href);
    assert.equal(confirm.res.status, 200);
    assert.match(await confirm.res.text(), /<form/);
  });

  test('a parameter in both the URL and the form is refused as given twice; other bodies get 415 and 413', async () => {
    const b = new TestBrowser();
    const twice = await b.postForm(`${idp.url}/auth?state=other`, await authParams());
    const landed = await b.follow(new URL(twice.headers.get('location') ?? '', idp.url).href, (u) => u.startsWith(REDIRECT));
    assert.equal(new URL(landed.url).searchParams.get('error'), 'invalid_request');

    const json = await fetch(`${idp.url}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await authParams()), redirect: 'manual' });
    assert.equal(json.status, 415);
    assert.deepEqual(await json.json(), { error: 'invalid_request', error_description: 'send the parameters as an application/x-www-form-urlencoded form, or use GET' });
    const big = await fetch(`${idp.url}/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=portal&x=${'a'.repeat(9000)}`, redirect: 'manual' });
    assert.equal(big.status, 413);
    assert.match(await big.text(), /PAR/);
  });

  test('HEAD on an asset answers as GET does, without the body', async () => {
    const res = await fetch(`${idp.url}/assets/style.css`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /css/);
  });
});
