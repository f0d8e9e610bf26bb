// A body over the limit gets 413 with an OAuth error (RFC 9110 §15.5.14, RFC 6749 §5.2) at every
// endpoint that reads one, and our own pages answer theirs the same way: never 400, never a trace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { errors } from 'oidc-provider';
import { closeRawClient, leaks, rawRequest } from '../adversarial/raw-http.ts';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, startSignIn } from '../testing/relying-party.ts';
import { isOversizeBodyError, PROVIDER_BODY_LIMIT_BYTES } from './oversize-bodies.ts';

const REDIRECT = 'http://127.0.0.1:8774/callback';
const SECRET = 's'.repeat(43);
const ANSWER_WITHIN_MS = 10_000;

test('isOversizeBodyError: the provider\'s refusal of a body over its limit, not of a malformed one', () => {
  const tooLarge = new errors.InvalidRequest('failed to parse the request body', undefined, { cause: new Error('request entity too large') });
  assert.equal(isOversizeBodyError(tooLarge), true);
  assert.equal(isOversizeBodyError(new errors.InvalidRequest('failed to parse the request body', undefined, { cause: new SyntaxError('Unexpected token') })), false);
  assert.equal(isOversizeBodyError(new errors.InvalidRequest('failed to parse the request body')), false);
  assert.equal(isOversizeBodyError('request entity too large'), false);
});

/** A JSON body of exactly `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  const shell = JSON.stringify({ redirect_uris: ['https://app.example/cb'], client_name: '' });
  return JSON.stringify({ redirect_uris: ['https://app.example/cb'], client_name: 'x'.repeat(bytes - shell.length) });
}

/** A form body of exactly `bytes` bytes. */
const formOfSize = (bytes: number, prefix = 'grant_type=client_credentials&x='): string => prefix + 'a'.repeat(bytes - prefix.length);

describe('bodies over the limit', () => {
  let idp: TestIdp;
  let initialToken = '';
  before(async () => {
    idp = await startTestIdp();
    initialToken = await new idp.app.provider.InitialAccessToken({ expiresIn: 600, policies: ['third-party'] }).save();
    await idp.addClient({ client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'], jullix_first_party: true });
  });
  after(async () => { closeRawClient(); await idp.stop(); });

  const basic = `Basic ${Buffer.from(`web:${SECRET}`).toString('base64')}`;
  const post = (path: string, body: string, headers: Record<string, string>) => rawRequest(idp.url, { method: 'POST', path, headers, body }, ANSWER_WITHIN_MS);

  function assertOversize(res: { status: number; headers: http.IncomingHttpHeaders; body: string }, label: string, limit = PROVIDER_BODY_LIMIT_BYTES): void {
    assert.equal(res.status, 413, `${label}: ${res.status} ${res.body.slice(0, 200)}`);
    assert.match(res.headers['content-type'] ?? '', /^application\/json/, label);
    const body = JSON.parse(res.body) as { error?: string; error_description?: string };
    assert.equal(body.error, 'invalid_request', label);
    assert.ok(body.error_description?.startsWith(`the request body is larger than ${limit} bytes`), `${label}: ${body.error_description}`);
  }

  test('registration (RFC 7591): 2 MB and one byte over the limit get 413 with an OAuth error; the connection stays usable', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${initialToken}` };
    for (const [label, body] of [['2 MB', jsonOfSize(2 * 1024 * 1024)], ['limit + 1', jsonOfSize(PROVIDER_BODY_LIMIT_BYTES + 1)]] as const) {
      assertOversize(await post('/reg', body, headers), label);
      // The same keep-alive sockets carry the next requests: none may be left half-read.
      for (let i = 0; i < 3; i++) assert.equal((await rawRequest(idp.url, { method: 'GET', path: '/jwks' }, ANSWER_WITHIN_MS)).status, 200);
    }
    // At the limit the body is read and judged on what it says; a malformed one is still a 400.
    const atLimit = await post('/reg', jsonOfSize(PROVIDER_BODY_LIMIT_BYTES), headers);
    assert.notEqual(atLimit.status, 413, atLimit.body);
    assert.notEqual((JSON.parse(atLimit.body) as { error_description?: string }).error_description, 'failed to parse the request body');
    const malformed = await post('/reg', '{"redirect_uris":', headers);
    assert.equal(malformed.status, 400);
    assert.equal((JSON.parse(malformed.body) as { error?: string }).error, 'invalid_request');
  });

  test('a chunked body (no Content-Length) over the limit: 413 too', async () => {
    const url = new URL(idp.url);
    const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/reg', headers: { 'content-type': 'application/json', authorization: `Bearer ${initialToken}` } }, (answer) => {
        let body = '';
        answer.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body }));
      });
      req.on('error', reject);
      req.setTimeout(ANSWER_WITHIN_MS, () => req.destroy(new Error('no answer')));
      // Written without a Content-Length, Node sends it chunked.
      req.write(jsonOfSize(2 * 1024 * 1024));
      req.end();
    });
    assertOversize(res, 'chunked');
  });

  test('every other endpoint that reads a body answers the same', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
    const registered = await (await fetch(`${idp.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${initialToken}` }, body: JSON.stringify({ redirect_uris: ['https://app.example/cb'] }) })).json() as { registration_client_uri: string; registration_access_token: string };
    const updatePath = new URL(registered.registration_client_uri).pathname;
    const over = PROVIDER_BODY_LIMIT_BYTES + 1;
    const cases: Array<[string, string, string, Record<string, string>]> = [
      ['POST', '/token', formOfSize(over), form],
      ['POST', '/token/introspection', formOfSize(over, 'token='), form],
      ['POST', '/token/revocation', formOfSize(over, 'token='), form],
      ['POST', '/request', formOfSize(over, 'response_type=code&x='), form],
      ['POST', '/me', formOfSize(over, 'x='), { 'content-type': 'application/x-www-form-urlencoded' }],
      ['POST', '/session/end/confirm', formOfSize(over, 'xsrf='), { 'content-type': 'application/x-www-form-urlencoded' }],
      ['PUT', updatePath, jsonOfSize(over), { 'content-type': 'application/json', authorization: `Bearer ${registered.registration_access_token}` }],
    ];
    for (const [method, path, body, headers] of cases) {
      assertOversize(await rawRequest(idp.url, { method, path, headers, body }, ANSWER_WITHIN_MS), `${method} ${path}`);
    }
    // Under the limit the token endpoint still works.
    const ok = await post('/token', 'grant_type=client_credentials', form);
    assert.equal(ok.status, 200, ok.body);
  });

  test('a browser gets our error page with 413, saying what to do, without a trace', async () => {
    const res = await post('/reg', jsonOfSize(PROVIDER_BODY_LIMIT_BYTES + 1), { 'content-type': 'application/json', authorization: `Bearer ${initialToken}`, accept: 'text/html', 'accept-language': 'en' });
    assert.equal(res.status, 413);
    assert.match(res.headers['content-type'] ?? '', /^text\/html/);
    assert.match(res.body, /What was sent is too large/);
    assert.equal(leaks(res.body), undefined);
  });

  test('our pages: a form over 16 KiB gets 413 and the same message; a POST to /auth over 8 KiB the same OAuth error', async () => {
    const rp = { issuer: idp.config.issuer, clientId: 'web', clientSecret: SECRET, redirectUri: REDIRECT };
    const browser = new TestBrowser({ 'accept-language': 'en' });
    const page = await openSignInPage(browser, await startSignIn(await discover(rp), rp), REDIRECT);
    const login = findForm(page.html, '/login', page.url);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const pageHeaders = { cookie, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' };
    for (const size of [16 * 1024 + 1, 2 * 1024 * 1024]) {
      const res = await post(new URL(login.action).pathname, formOfSize(size, `csrf=${login.fields['csrf'] ?? ''}&username=`), pageHeaders);
      assert.equal(res.status, 413, `${size}: ${res.status}`);
      assert.match(res.body, /What was sent is too large/);
      assert.equal(leaks(res.body), undefined);
    }
    assertOversize(await post('/auth', formOfSize(8 * 1024 + 1, 'client_id=web&x='), { 'content-type': 'application/x-www-form-urlencoded' }), 'POST /auth', 8 * 1024);
  });
});
