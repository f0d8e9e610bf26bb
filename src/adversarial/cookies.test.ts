// Cookies and headers behind a TLS-terminating proxy: with TRUST_PROXY=true and X-Forwarded-Proto:
// https, every cookie the IdP sets (ours and oidc-provider's) is Secure, HttpOnly and SameSite=Lax,
// and every page carries the security headers; without proxy trust a forged header changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestBrowser } from '../testing/browser.ts';
import { freePort, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addTestClients, authRequest, open, PUBLIC_CLIENT, submit, isCallback } from './flows.ts';

/**
 * A browser that keeps every Set-Cookie line and every response's headers. It talks https to the
 * issuer's origin; `viaProxy` maps that to the plain-http port behind the (absent) proxy.
 */
class RecordingBrowser extends TestBrowser {
  readonly setCookies: string[] = [];
  readonly pages: Array<{ url: string; headers: Headers }> = [];
  viaProxy: (url: string) => string = (url) => url;
  override async request(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await super.request(this.viaProxy(url), init);
    this.setCookies.push(...res.headers.getSetCookie());
    this.pages.push({ url, headers: res.headers });
    return res;
  }
}

const nameOf = (line: string) => line.slice(0, line.indexOf('=')).trim();
const attributes = (line: string) => line.split(';').slice(1).map((a) => a.trim().toLowerCase());
const PROXIED = { 'x-forwarded-proto': 'https', 'accept-language': 'en' };

/** Signs in through the proxy headers, visits the account page and the language switch. */
function proxiedBrowser(idp: TestIdp): RecordingBrowser {
  const browser = new RecordingBrowser(PROXIED);
  browser.viaProxy = (url) => url.replace(idp.config.issuer, idp.url);
  return browser;
}

async function fullVisit(idp: TestIdp): Promise<RecordingBrowser> {
  const browser = proxiedBrowser(idp);
  const issuer = idp.config.issuer;
  const login = await open(browser, authRequest(idp, PUBLIC_CLIENT).url.replace(idp.url, issuer));
  const done = await submit(browser, login, '/login', { username: 'pat', password: 'pat-password-long' });
  assert.ok(isCallback(done.url), `signed in: ${done.status} ${done.url}`);
  await open(browser, `${issuer}/account`);
  await browser.request(`${issuer}/lang?set=en&back=/account`);
  return browser;
}

describe('behind a TLS-terminating proxy (TRUST_PROXY=true)', () => {
  let idp: TestIdp;
  before(async () => {
    const port = await freePort();
    idp = await startTestIdp({ env: { PORT: String(port), ISSUER: `https://localhost:${port}`, TRUST_PROXY: 'true' } });
    await addTestClients(idp);
    await idp.addUser({ username: 'pat', password: 'pat-password-long' });
  });
  after(() => idp.stop());

  test('every cookie is Secure, HttpOnly and SameSite=Lax, ours and the provider\'s', async () => {
    const browser = await fullVisit(idp);
    const lines = [...browser.setCookies];
    // The signed-out visitor of /account gets the state cookie; record it with its own browser.
    const anonymous = proxiedBrowser(idp);
    await anonymous.request(`${idp.config.issuer}/account`);
    lines.push(...anonymous.setCookies);
    const names = new Set(lines.map(nameOf));
    for (const expected of ['_interaction', '_interaction_resume', '_session', 'jullix_device', 'jullix_account_state']) {
      assert.ok(names.has(expected), `${expected} was set (saw ${[...names].join(', ')})`);
    }
    for (const line of lines) {
      const attrs = attributes(line);
      assert.ok(attrs.includes('secure'), `not Secure: ${line}`);
      assert.ok(attrs.includes('httponly'), `not HttpOnly: ${line}`);
      assert.ok(attrs.includes('samesite=lax'), `not SameSite=Lax: ${line}`);
    }
  });

  test('every page has the security headers, and HSTS for an https issuer', async () => {
    const browser = await fullVisit(idp);
    const seen = [...browser.pages, { url: `${idp.url}/.well-known/openid-configuration`, headers: (await fetch(`${idp.url}/.well-known/openid-configuration`, { headers: PROXIED })).headers }];
    for (const { url, headers } of seen) {
      const csp = headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.match(csp, /script-src 'self'(;|$)/, `no inline script allowed at ${url}: ${csp}`);
      assert.equal(headers.get('x-content-type-options'), 'nosniff', url);
      assert.equal(headers.get('referrer-policy'), 'no-referrer', url);
      assert.match(headers.get('strict-transport-security') ?? '', /max-age=\d{7,}/, url);
    }
  });
});

describe('without proxy trust (TRUST_PROXY=false)', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp({ env: { TRUST_PROXY: 'false' } });
    await addTestClients(idp);
  });
  after(() => idp.stop());

  test('a forged X-Forwarded-Proto does not make cookies Secure or change endpoint URLs', async () => {
    const browser = new RecordingBrowser(PROXIED);
    await open(browser, authRequest(idp, PUBLIC_CLIENT).url);
    await browser.request(`${idp.url}/account`);
    assert.ok(browser.setCookies.length >= 3);
    for (const line of browser.setCookies) assert.ok(!attributes(line).includes('secure'), `Secure on plain http: ${line}`);
    const discovery = await (await fetch(`${idp.url}/.well-known/openid-configuration`, { headers: PROXIED })).json() as { token_endpoint: string };
    assert.match(discovery.token_endpoint, /^http:\/\//);
  });
});

test('an https issuer without TRUST_PROXY starts with a warning that says what to set', async () => {
  const port = await freePort();
  const idp = await startTestIdp({ env: { PORT: String(port), ISSUER: `https://localhost:${port}`, TRUST_PROXY: 'false' } });
  try {
    assert.ok(idp.logs.some((l) => l.includes('"level":"warn"') && l.includes('TRUST_PROXY is off')), 'warned at start');
  } finally {
    await idp.stop();
  }
  const plain = await startTestIdp({ env: { TRUST_PROXY: 'false' } });
  try {
    assert.ok(!plain.logs.some((l) => l.includes('TRUST_PROXY is off')), 'no warning for an http issuer');
  } finally {
    await plain.stop();
  }
});
