// Open-redirect probes: look-alike redirect_uri and post_logout_redirect_uri values (other host,
// other path, userinfo tricks, encodings, trailing dot, case, extra query), pushed requests, and
// every return URL of our own (account page callback and notice, language switch). A Location may
// only ever point at the IdP itself or exactly at a registered URI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestBrowser } from '../testing/browser.ts';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addTestClients, authRequest, findLogoutForm, newBrowser, passwordStep, POST_LOGOUT, PUBLIC_CLIENT, REDIRECT, isCallback, tokenRequest, pkce } from './flows.ts';

const LOOK_ALIKES = (registered: string): string[] => {
  const u = new URL(registered);
  const host = u.host;
  const path = u.pathname;
  return [
    `https://evil.example${path}`, `https://${host}/other`, `https://${host}${path}/`, `https://${host}${path}/extra`, `https://${host}${path}/../../evil`,
    `https://${host}@evil.example${path}`, `https://evil.example@${host}${path}`, `https://${host}%40evil.example${path}`, `https://${host}\\@evil.example${path}`,
    `https://${host}.evil.example${path}`, `https://${host}.${path}`, `https://${host.toUpperCase()}${path}`, `https://${host}${path.toUpperCase()}`,
    `HTTPS://${host}${path}`, `http://${host}${path}`, `https://${host}:443${path}`, `https://${host}:8443${path}`,
    `${registered}?next=https://evil.example/`, `${registered}#@evil.example`, `https://${host}${path}%2F..%2F..%2Fevil`,
    encodeURIComponent(`https://evil.example${path}`), `//evil.example${path}`, path, `javascript:alert(1)//${registered}`,
    'data:text/html,<script>alert(1)</script>', ` ${registered}`, `${registered}\t`, `${registered}\u0000`, `https://аpp.example.test${path}`,
  ];
};

describe('open-redirect probes', () => {
  let idp: TestIdp;
  let signedIn: TestBrowser;
  let idToken = '';
  const onSite = (location: string, from: string) => new URL(location, from).origin === new URL(idp.url).origin;

  /** Every Location in the answer chain is on the IdP, or exactly the registered target plus a query. */
  async function assertNoOffsiteRedirect(browser: TestBrowser, url: string, registered: string, init: RequestInit = {}): Promise<Response> {
    let current = url;
    let res = await browser.request(current, init);
    for (let hop = 0; hop < 10; hop++) {
      const location = res.headers.get('location');
      if (!location) return res;
      const target = new URL(location, current).href;
      if (!onSite(location, current)) {
        assert.ok(target === registered || target.startsWith(`${registered}?`), `redirected off-site to ${target} (probe ${url.slice(0, 200)})`);
        return res;
      }
      current = target;
      res = await browser.request(current);
    }
    return res;
  }

  before(async () => {
    idp = await startTestIdp();
    await addTestClients(idp);
    await idp.addUser({ username: 'oscar', password: 'oscar-password-long' });
    signedIn = newBrowser();
    const { started, page } = await passwordStep(signedIn, idp, PUBLIC_CLIENT, 'oscar', 'oscar-password-long');
    assert.ok(isCallback(page.url));
    const tokens = await tokenRequest(idp, PUBLIC_CLIENT, new URLSearchParams({ grant_type: 'authorization_code', code: new URL(page.url).searchParams.get('code') ?? '', redirect_uri: REDIRECT, code_verifier: started.verifier }));
    idToken = String(tokens.json.id_token);
  });
  after(() => idp.stop());

  test('look-alike redirect_uri values never receive a redirect, with or without a session', async () => {
    for (const variant of LOOK_ALIKES(REDIRECT)) {
      for (const extra of [{}, { prompt: 'none' }, { response_type: 'token' }] as Array<Record<string, string>>) {
        for (const browser of [signedIn, newBrowser()]) {
          await assertNoOffsiteRedirect(browser, authRequest(idp, PUBLIC_CLIENT, { redirect_uri: variant, ...extra }).url, REDIRECT);
        }
      }
    }
    // The real one still works for the signed-in browser (so the probes above were not refused for another reason).
    const ok = await signedIn.request(authRequest(idp, PUBLIC_CLIENT).url);
    assert.ok((ok.headers.get('location') ?? '').startsWith(`${REDIRECT}?code=`));
  });

  test('a repeated redirect_uri, or a pushed request with a look-alike, is refused', async () => {
    const doubled = `${authRequest(idp, PUBLIC_CLIENT).url}&redirect_uri=${encodeURIComponent('https://evil.example/callback')}`;
    const res = await assertNoOffsiteRedirect(signedIn, doubled, REDIRECT);
    // Refused: at most an error sent to the registered URI, never a code.
    const answer = new URL(res.headers.get('location') ?? `${REDIRECT}?error=none_sent`);
    assert.equal(answer.searchParams.get('code'), null);
    assert.ok(answer.searchParams.get('error'));
    const { challenge } = pkce();
    const base = { client_id: PUBLIC_CLIENT.client_id, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' };
    const pushedEvil = await tokenRequest(idp, PUBLIC_CLIENT, new URLSearchParams({ ...base, redirect_uri: 'https://evil.example/callback' }), '/request');
    assert.equal(pushedEvil.status, 400);
    const pushed = await tokenRequest(idp, PUBLIC_CLIENT, new URLSearchParams({ ...base, redirect_uri: REDIRECT }), '/request');
    assert.equal(pushed.status, 201);
    const uri = encodeURIComponent(String(pushed.json.request_uri));
    await assertNoOffsiteRedirect(signedIn, `${idp.url}/auth?client_id=portal&request_uri=${uri}&redirect_uri=${encodeURIComponent('https://evil.example/callback')}`, REDIRECT);
  });

  test('look-alike post_logout_redirect_uri values never receive a redirect', async () => {
    for (const variant of LOOK_ALIKES(POST_LOGOUT)) {
      for (const hint of [`client_id=${PUBLIC_CLIENT.client_id}`, `id_token_hint=${idToken}`]) {
        const url = `${idp.url}/session/end?${hint}&post_logout_redirect_uri=${encodeURIComponent(variant)}&state=s`;
        for (const browser of [signedIn, newBrowser()]) {
          const res = await assertNoOffsiteRedirect(browser, url, POST_LOGOUT);
          // Had the URI been accepted, the redirect would come from the confirm form: send it
          // ("stay signed in", so the session survives for the next probe).
          const html = res.status === 200 ? await res.text() : '';
          if (!html.includes('/session/end/confirm')) continue;
          const form = findLogoutForm(html, `${idp.url}/session/end`);
          await assertNoOffsiteRedirect(browser, form.action, POST_LOGOUT, {
            method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString(),
          });
        }
      }
    }
  });

  test('the account page callback, its notice and the language switch stay on the IdP', async () => {
    const evil = encodeURIComponent('https://evil.example/');
    for (const path of [`/account?notice=${evil}`, `/account?next=${evil}`, `/account/callback?state=x&code=y&redirect_uri=${evil}`, `/account/callback?return_to=${evil}`]) {
      for (const browser of [signedIn, newBrowser()]) {
        const res = await browser.request(`${idp.url}${path}`);
        const location = res.headers.get('location');
        if (!location) continue;
        const target = new URL(location, `${idp.url}${path}`);
        // Signed out, /account sends the browser to our own /auth, which returns to our own callback.
        assert.equal(target.origin, new URL(idp.url).origin, `${path} -> ${location}`);
        const back = target.searchParams.get('redirect_uri');
        if (back) assert.equal(new URL(back).origin, new URL(idp.config.issuer).origin);
      }
    }
    for (const back of ['//evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example', '/\t/evil.example', '/%2F/evil.example', '/.//evil.example', 'javascript:alert(1)', ' //evil.example', '/\u3002evil.example']) {
      const path = `/lang?set=en&back=${encodeURIComponent(back)}`;
      const res = await newBrowser().request(`${idp.url}${path}`);
      const location = res.headers.get('location') ?? '';
      assert.equal(res.status, 303, back);
      assert.ok(onSite(location, `${idp.url}${path}`), `${back} -> ${location}`);
    }
  });

  test('logging out through the confirm form goes to the registered URI whatever else is posted', async () => {
    const page = await signedIn.request(`${idp.url}/session/end?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}&state=s1`);
    const form = findLogoutForm(await page.text(), `${idp.url}/session/end`);
    const res = await assertNoOffsiteRedirect(signedIn, form.action, POST_LOGOUT, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, logout: 'yes', post_logout_redirect_uri: 'https://evil.example/', redirect_uri: 'https://evil.example/' }).toString(),
    });
    assert.equal(res.headers.get('location'), `${POST_LOGOUT}?state=s1`);
  });
});
