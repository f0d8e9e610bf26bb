// Error answers the standards name, where oidc-provider's defaults differ: redirect_uri is required
// (OIDC Core 3.1.2.1), and a grant type the client is not registered for is unauthorized_client
// (RFC 6749 §5.2).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../testing/browser.ts';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { GRANT_TYPE_NOT_ALLOWED, isUnauthorizedClientAnswer } from './token-errors.ts';

test('isUnauthorizedClientAnswer: only the token endpoint\'s grant-type refusal', () => {
  const body = { error: 'invalid_request', error_description: GRANT_TYPE_NOT_ALLOWED };
  assert.equal(isUnauthorizedClientAnswer('/token', 400, body), true);
  assert.equal(isUnauthorizedClientAnswer('/token', 400, { ...body, error_description: 'missing required parameter' }), false);
  assert.equal(isUnauthorizedClientAnswer('/token/introspection', 400, body), false);
  assert.equal(isUnauthorizedClientAnswer('/token', 401, body), false);
  assert.equal(isUnauthorizedClientAnswer('/token', 400, 'text'), false);
});

const REDIRECT = 'http://127.0.0.1:8770/callback';
const SECRET = 'w'.repeat(43);

describe('protocol error codes', () => {
  let idp: TestIdp;
  let rp: RpOptions;
  before(async () => {
    idp = await startTestIdp();
    await idp.addUser({ username: 'ned', password: 'ned-password-1' });
    await idp.addClient({ client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], jullix_first_party: true });
    rp = { issuer: idp.config.issuer, clientId: 'web', clientSecret: SECRET, redirectUri: REDIRECT };
  });
  after(() => idp.stop());

  const basic = `Basic ${Buffer.from(`web:${SECRET}`).toString('base64')}`;
  const token = (form: Record<string, string>) => fetch(`${idp.url}/token`, {
    method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
  });

  test('a grant type the client is not registered for is unauthorized_client', async () => {
    const res = await token({ grant_type: 'client_credentials' });
    assert.equal(res.status, 400);
    const body = await res.json() as { error?: string };
    assert.equal(body.error, 'unauthorized_client');
    // A grant type nobody supports stays unsupported_grant_type.
    assert.equal((await (await token({ grant_type: 'password' })).json() as { error?: string }).error, 'unsupported_grant_type');
  });

  test('redirect_uri is required at the authorization endpoint and at the code exchange, even with one registered', async () => {
    const missing = await fetch(`${idp.url}/auth?client_id=web&response_type=code&scope=openid&state=s`, { redirect: 'manual' });
    assert.equal(missing.status, 400);
    assert.equal(missing.headers.get('location'), null, 'not sent to the registered URI');

    const browser = new TestBrowser();
    const config = await discover(rp);
    const started = await startSignIn(config, rp);
    const page = await openSignInPage(browser, started, REDIRECT);
    const done = await submit(browser, page.url, page.html, '/login', { username: 'ned', password: 'ned-password-1' }, REDIRECT);
    const code = new URL(done.url).searchParams.get('code') ?? '';
    assert.ok(code);
    const exchange = await token({ grant_type: 'authorization_code', code, code_verifier: started.verifier });
    assert.equal(exchange.status, 400);
    assert.equal((await exchange.json() as { error?: string }).error, 'invalid_request');
  });
});
