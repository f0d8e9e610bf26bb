// Dispatch between our pages and the provider, with the issuer at a path (https://host/idp): the
// provider answers under that path only, with the same edge (headers, request id, log) as our pages.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../testing/ports.ts';
import { TestBrowser } from '../testing/browser.ts';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, passwordSignIn, type RpOptions } from '../testing/relying-party.ts';
import { isPagePath, pathOf } from './dispatch.ts';

test('pathOf drops the query string, which can carry codes', () => {
  assert.equal(pathOf('/token?code=secret'), '/token');
  assert.equal(pathOf('/interaction/abc/login'), '/interaction/abc/login');
  assert.equal(pathOf(undefined), '/');
});

test('isPagePath: our pages and probes, and anything outside the issuer path; the rest is the provider', () => {
  for (const p of ['/interaction/x1/login', '/account', '/account/callback', '/health/ready', '/assets/style.css', '/lang']) {
    assert.equal(isPagePath(p, ''), true, p);
    assert.equal(isPagePath(`/idp${p}`, '/idp'), true, p);
  }
  for (const p of ['/token', '/auth', '/.well-known/openid-configuration', '/jwks', '/accounts', '/language', '/interactionx', '/']) {
    assert.equal(isPagePath(p, ''), false, p);
    assert.equal(isPagePath(`/idp${p}`, '/idp'), false, p);
  }
  // Outside the issuer's path nothing is the provider's: our app answers (404).
  assert.equal(isPagePath('/token', '/idp'), true);
  assert.equal(isPagePath('/idpx/token', '/idp'), true);
});

const REDIRECT = 'http://127.0.0.1:8765/callback';

/** A raw request, so the absolute form and odd Host headers reach the server as written. */
function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

describe('issuer at a path', () => {
  let idp: TestIdp;
  let port: number;
  let issuer: string;
  before(async () => {
    port = await freePort();
    issuer = `http://localhost:${port}/idp`;
    idp = await startTestIdp({ env: { PORT: String(port), ISSUER: issuer } });
    await idp.addUser({ username: 'erin', password: 'erin-password-1' });
    await idp.addClient({ client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], jullix_first_party: true });
    await idp.addClient({ client_id: 'svc', client_secret: 's'.repeat(40), grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
  });
  after(() => idp.stop());

  test('discovery and every endpoint live under the path; a password sign-in goes through', async () => {
    const doc = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    assert.equal(doc['issuer'], issuer);
    assert.equal(doc['token_endpoint'], `${issuer}/token`);
    assert.equal(doc['authorization_endpoint'], `${issuer}/auth`);
    const rp: RpOptions = { issuer, clientId: 'portal', redirectUri: REDIRECT };
    const tokens = await passwordSignIn(new TestBrowser(), await discover(rp), rp, 'erin', 'erin-password-1');
    assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    assert.equal(tokens.claims()?.iss, issuer);
  });

  test('outside the path the provider answers nothing; our probes answer under it', async () => {
    assert.equal((await fetch(`http://localhost:${port}/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`http://localhost:${port}/idpx/token`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${issuer}/health/live`)).status, 200);
  });

  test('a provider response carries the edge: request id, security headers, a log line with the full path', async () => {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'svc', client_secret: 's'.repeat(40) }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const requestId = res.headers.get('x-request-id') ?? '';
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    const line = idp.logs.find((l) => l.includes(requestId));
    assert.ok(line, 'the token request is logged under its request id');
    assert.match(line, /"path":"\/idp\/token"/);
    assert.match(line, /"status":200/);
  });

  test('the absolute request form reaches the provider; a Host that is no origin is refused before it', async () => {
    // Another host in the absolute URL than in Host: the provider must not build its URLs from it.
    const absolute = await rawGet(port, 'http://evil.example/idp/.well-known/openid-configuration', { host: `localhost:${port}` });
    assert.equal(absolute.status, 200);
    const doc = JSON.parse(absolute.body) as { issuer: string; token_endpoint: string };
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.token_endpoint, `${issuer}/token`);
    const badHost = await rawGet(port, '/idp/.well-known/openid-configuration', { host: 'evil.example/x?' });
    assert.equal(badHost.status, 400);
    assert.match(badHost.body, /invalid Host/);
    assert.equal(badHost.headers['x-content-type-options'], 'nosniff');
  });
});
