// XSS probes through every value a page reflects: the typed username, protocol error descriptions
// (renderError), a registered app's name and site on the login, consent and account pages,
// ui_locales and the language cookie, state in the form_post page, the account page's notice.
// The raw payload must never come back as markup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addTestClients, authRequest, csrfOf, newBrowser, open, REDIRECT, submit, PUBLIC_CLIENT, isCallback, type TestClient } from './flows.ts';
import { closeRawClient, rawRequest } from './raw-http.ts';

const PAYLOADS = ['<script>alert(1)</script>', '"><svg onload=alert(1)>', "'><img src=x onerror=alert(1)>"];
const SCRIPT = PAYLOADS[0] ?? '';
/** Markup any payload would produce if it were reflected unescaped. */
const INJECTED = /<script>alert|<svg onload|<img src=x onerror/;

function assertInert(html: string, where: string): void {
  for (const p of PAYLOADS) assert.ok(!html.includes(p), `${where}: raw payload ${p}`);
  assert.doesNotMatch(html, INJECTED, where);
}

/** The payload came back (escaped), so the probe reached a reflecting sink. */
function assertReflectedEscaped(html: string, where: string): void {
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;') || html.includes('&quot;&gt;&lt;svg') || html.includes('&#39;&gt;&lt;img'), `${where}: payload not reflected at all`);
}

describe('XSS probes', () => {
  let idp: TestIdp;
  let evilApp: TestClient;
  before(async () => {
    idp = await startTestIdp();
    await addTestClients(idp);
    await idp.addUser({ username: 'xena', password: 'xena-password-long' });
    const iat = await new idp.app.provider.InitialAccessToken({ expiresIn: 600, policies: ['third-party'] }).save();
    const res = await fetch(`${idp.url}/reg`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${iat}` },
      body: JSON.stringify({ client_name: SCRIPT, client_uri: `https://app.example.test/"><svg onload=alert(1)>`, redirect_uris: [REDIRECT] }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const body = await res.json() as { client_id: string; client_secret: string };
    evilApp = { client_id: body.client_id, client_secret: body.client_secret };
  });
  after(async () => {
    closeRawClient();
    await idp.stop();
  });

  test('the username typed on the sign-in page comes back escaped', async () => {
    const browser = newBrowser();
    let page = await open(browser, authRequest(idp, PUBLIC_CLIENT).url);
    for (const p of PAYLOADS) {
      // Without a password: the page answers at once (no hash) and keeps what was typed.
      page = await submit(browser, page, '/login', { username: p, password: '' });
      assert.equal(page.status, 400);
      assertInert(page.html, `missing password, username ${p}`);
      assertReflectedEscaped(page.html, 'sign-in page');
    }
    const wrong = await submit(browser, page, '/login', { username: SCRIPT, password: 'wrong-password-123' });
    assert.equal(wrong.status, 401);
    assertInert(wrong.html, 'wrong password');
    assertReflectedEscaped(wrong.html, 'wrong password');
  });

  test('error descriptions on the provider\'s error page are escaped (Origin reflected by CORS errors)', async () => {
    for (const path of ['/token', '/token/introspection']) {
      const res = await rawRequest(idp.url, {
        method: 'POST', path, headers: { origin: `https://x${SCRIPT}`, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        body: `client_id=portal&grant_type=authorization_code&code=x&token=x&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      }, 5000);
      assert.equal(res.status, 400);
      assert.match(String(res.headers['content-type']), /text\/html/);
      assertInert(res.body, path);
      assertReflectedEscaped(res.body, path);
    }
  });

  test('a registered app named <script> is shown as text on the login, consent and account pages', async () => {
    const browser = newBrowser();
    const login = await open(browser, authRequest(idp, evilApp).url);
    assertInert(login.html, 'login page');
    assertReflectedEscaped(login.html, 'login page');
    const consent = await submit(browser, login, '/login', { username: 'xena', password: 'xena-password-long' });
    assert.match(consent.html, /action="[^"]*\/consent"/);
    assertInert(consent.html, 'consent page');
    assertReflectedEscaped(consent.html, 'consent page');
    const done = await submit(browser, consent, '/consent');
    assert.ok(isCallback(done.url));
    const account = await open(browser, `${idp.url}/account?notice=${encodeURIComponent(SCRIPT)}`);
    assert.match(account.html, /data-testid="allowed-apps"/);
    assertInert(account.html, 'account page');
    assertReflectedEscaped(account.html, 'account page (app list)');
    // A notice is picked from a fixed list: names of Object.prototype are no notice (and no 500).
    for (const notice of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal((await open(browser, `${idp.url}/account?notice=${notice}`)).status, 200, notice);
    }
  });

  test('a registered app\'s site or logo with a "user@" part that disguises the host is refused, and not shown if stored', async () => {
    const iat = await new idp.app.provider.InitialAccessToken({ expiresIn: 600, policies: ['third-party'] }).save();
    const disguised = { client_name: 'Your Bank', client_uri: 'https://bank.example@evil.example/', logo_uri: 'https://bank.example@evil.example/logo.png', redirect_uris: [REDIRECT] };
    const res = await fetch(`${idp.url}/reg`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${iat}` }, body: JSON.stringify(disguised),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json() as { error?: string }).error, 'invalid_client_metadata');
    // A client stored before registration refused these (or written by hand) is still shown safely.
    const app = { client_id: 'disguised-bank', client_secret: 'd'.repeat(43) };
    await idp.addClient({ ...disguised, ...app });
    const browser = newBrowser();
    const login = await open(browser, authRequest(idp, app).url);
    const consent = await submit(browser, login, '/login', { username: 'xena', password: 'xena-password-long' });
    assert.match(consent.html, /Your Bank/);
    assert.ok(!consent.html.includes('evil.example'), 'the disguised URL is neither linked nor shown');
  });

  test('ui_locales, Accept-Language, the language cookie and login_hint never reach the page raw', async () => {
    const hostile = { 'accept-language': SCRIPT, cookie: `jullix_lang=${encodeURIComponent(SCRIPT)}` };
    const page = await open(newBrowser(hostile), authRequest(idp, PUBLIC_CLIENT, { ui_locales: PAYLOADS.join(' '), login_hint: SCRIPT }).url);
    assert.ok(csrfOf(page.html), 'the sign-in page was shown');
    assertInert(page.html, 'sign-in page with hostile locales');
    const logout = await open(newBrowser(hostile), `${idp.url}/session/end?ui_locales=${encodeURIComponent(SCRIPT)}&state=${encodeURIComponent(SCRIPT)}`);
    assertInert(logout.html, 'logout page');
  });

  test('state comes back escaped in the form_post page and encoded in a redirect', async () => {
    const formPost = await open(newBrowser(), authRequest(idp, PUBLIC_CLIENT, { prompt: 'none', response_mode: 'form_post', state: SCRIPT }).url);
    assertInert(formPost.html, 'form_post page');
    assertReflectedEscaped(formPost.html, 'form_post page');
    const redirected = await open(newBrowser(), authRequest(idp, PUBLIC_CLIENT, { prompt: 'none', state: PAYLOADS.join('') }).url);
    assert.ok(isCallback(redirected.url));
    for (const location of redirected.locations) assert.doesNotMatch(location, /[<>"' ]/, `raw characters in Location ${location}`);
    assert.equal(new URL(redirected.url).searchParams.get('state'), PAYLOADS.join(''));
  });
});
