// Integration: a real IdP on a random port, driven by openid-client as the relying app, on SQLite
// and (when TEST_DATABASE_URL is set) on a fresh PostgreSQL database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestBrowser, findForm } from './testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from './testing/harness.ts';
import { discover, openSignInPage, passwordSignIn, redeem, startSignIn, submit, type RpOptions } from './testing/relying-party.ts';
import * as oidc from 'openid-client';
import { translator } from '../interactions/i18n/index.ts';

const REDIRECT = 'http://127.0.0.1:8765/callback';

for (const backend of backends()) {
  describe(`sign-in with password (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    before(async () => {
      idp = await startTestIdp({ backend });
      await idp.addUser({ username: 'Carol', password: 'correct horse battery', email: 'carol@example.test', name: 'Carol Peeters' });
      await idp.addUser({ username: 'dora', password: 'dora-password-1', disabled: true });
      await idp.addClient({ client_id: 'portal', client_name: 'Jullix portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], jullix_first_party: true });
      await idp.addClient({ client_id: 'thirdparty', client_secret: 'a'.repeat(40), client_name: 'Energy Insights', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] });
      rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
    });
    after(() => idp.stop());

    test('discovery advertises amr, acr, auth_time and the two assurance levels', async () => {
      const res = await fetch(`${idp.url}/.well-known/openid-configuration`);
      const doc = await res.json() as { claims_supported: string[]; acr_values_supported: string[] };
      for (const c of ['amr', 'acr', 'auth_time', 'sub']) assert.ok(doc.claims_supported.includes(c), c);
      assert.deepEqual(doc.acr_values_supported, ['aal1', 'aal2']);
    });

    test('a password sign-in by username (any case) gives amr ["pwd"] and acr aal1', async () => {
      const config = await discover(rp);
      const tokens = await passwordSignIn(new TestBrowser(), config, rp, 'CAROL', 'correct horse battery');
      const claims = tokens.claims();
      assert.ok(claims);
      assert.deepEqual(claims.amr, ['pwd']);
      assert.equal(claims.acr, 'aal1');
      assert.equal(typeof claims.auth_time, 'number');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.equal(info.preferred_username, 'Carol');
      assert.equal(info.email, 'carol@example.test');
      assert.deepEqual(info.roles, ['customer']);
    });

    test('sign-in by e-mail address works too', async () => {
      const tokens = await passwordSignIn(new TestBrowser(), await discover(rp), rp, 'carol@EXAMPLE.test', 'correct horse battery');
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    });

    test('wrong password, unknown user and disabled user get the same answer', async () => {
      const config = await discover(rp);
      const answers: string[] = [];
      for (const [user, pw] of [['carol', 'wrong password!'], ['nobody', 'whatever-123'], ['dora', 'dora-password-1']] as const) {
        const browser = new TestBrowser();
        const started = await startSignIn(config, rp);
        const page = await openSignInPage(browser, started, REDIRECT);
        const res = await submit(browser, page.url, page.html, '/login', { username: user, password: pw }, REDIRECT);
        assert.equal(res.status, 401);
        const alert = /role="alert"[^>]*>([^<]*)</.exec(res.html)?.[1];
        answers.push(`${res.status} ${alert}`);
      }
      assert.equal(new Set(answers).size, 1, answers.join(' | '));
      assert.match(answers[0] ?? '', /onjuist|incorrect/);
    });

    test('a third-party app shows the consent page; allow gives tokens, deny gives access_denied', async () => {
      const third = { ...rp, clientId: 'thirdparty', clientSecret: 'a'.repeat(40) };
      const config = await discover(third);
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const started = await startSignIn(config, third);
      const page = await openSignInPage(browser, started, REDIRECT);
      const consent = await submit(browser, page.url, page.html, '/login', { username: 'carol', password: 'correct horse battery' }, REDIRECT);
      assert.match(consent.html, /Energy Insights/);
      assert.match(consent.html, /your email address/);
      const done = await submit(browser, consent.url, consent.html, '/consent', {}, REDIRECT);
      const tokens = await redeem(config, done.url, started);
      assert.equal(tokens.claims()?.acr, 'aal1');

      const second = await startSignIn(config, third, { prompt: 'consent' });
      const again = await openSignInPage(browser, second, REDIRECT);
      const denied = await submit(browser, again.url, again.html, '/abort', {}, REDIRECT);
      assert.equal(new URL(denied.url).searchParams.get('error'), 'access_denied');
    });

    test('cancel on the sign-in page sends the app access_denied', async () => {
      const config = await discover(rp);
      const browser = new TestBrowser();
      const started = await startSignIn(config, rp);
      const page = await openSignInPage(browser, started, REDIRECT);
      const res = await submit(browser, page.url, page.html, '/abort', {}, REDIRECT);
      const cb = new URL(res.url);
      assert.equal(cb.searchParams.get('error'), 'access_denied');
      assert.equal(cb.searchParams.get('state'), started.state);
    });

    test('a POST without the form token is refused with 403 and signs nobody in', async () => {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(await discover(rp), rp), REDIRECT);
      const form = findForm(page.html, '/login', page.url);
      const res = await browser.postForm(form.action, { username: 'carol', password: 'correct horse battery' });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('location'), null);
    });

    test('an unregistered redirect_uri gets an error page, never a redirect', async () => {
      const res = await fetch(`${idp.url}/auth?client_id=portal&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, { redirect: 'manual' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      const body = await res.text();
      assert.match(body, /role="alert"/);
      assert.ok(!body.includes('evil.example'), 'the page does not echo the attacker URL as a link');
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    });

    test('the language switcher sets French, returns only to local paths, and wins over ui_locales, which wins over Accept-Language', async () => {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(await discover(rp), rp), REDIRECT);
      assert.match(page.html, /hreflang="fr"/);
      const path = new URL(page.url).pathname;
      const set = await browser.request(`${idp.url}/lang?set=fr&back=${encodeURIComponent(path)}`);
      assert.equal(set.status, 303);
      assert.equal(set.headers.get('location'), path);
      const french = await (await browser.request(page.url)).text();
      assert.match(french, /<html lang="fr">/);
      assert.match(french, /Nom d'utilisateur|Nom d&#39;utilisateur/);
      for (const back of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
        const res = await browser.request(`${idp.url}/lang?set=en&back=${encodeURIComponent(back)}`);
        assert.equal(res.headers.get('location'), '/', `back=${back} stays on this site`);
      }
      // The person's click beats the app's hint: otherwise the switcher would change nothing here.
      await browser.request(`${idp.url}/lang?set=fr&back=%2F`);
      const picked = await openSignInPage(browser, await startSignIn(await discover(rp), rp, { ui_locales: 'en' }), REDIRECT);
      assert.match(picked.html, /<html lang="fr">/);
      const en = await openSignInPage(new TestBrowser(), await startSignIn(await discover(rp), rp, { ui_locales: 'en' }), REDIRECT);
      assert.match(en.html, /<html lang="en">/);
    });

    test('a sign-in step asked with the wrong method is a 405 that names the right one (RFC 9110 §15.5.6)', async () => {
      const wrongGet = await fetch(`${idp.url}/interaction/abc123/login`);
      assert.equal(wrongGet.status, 405);
      assert.equal(wrongGet.headers.get('allow'), 'POST');
      const wrongPost = await fetch(`${idp.url}/interaction/abc123`, { method: 'POST' });
      assert.equal(wrongPost.status, 405);
      assert.equal(wrongPost.headers.get('allow'), 'GET');
      for (const path of ['/interaction/abc123/nope', '/interaction/abc123/login/more']) {
        const res = await fetch(`${idp.url}${path}`);
        assert.equal(res.status, 404, path);
        assert.equal(res.headers.get('allow'), null, path);
      }
    });

    test('an address with nothing there, the issuer\'s root among them, gets our page in the person\'s language, not a plain English "Not Found"', async () => {
      const fr = translator('fr');
      for (const path of ['/', '/nope', '/interaction', '/favicon.ico', '/assets/nope.css']) {
        const res = await fetch(`${idp.url}${path}`, { headers: { 'accept-language': 'fr' } });
        assert.equal(res.status, 404, path);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
        const body = await res.text();
        assert.match(body, /<html lang="fr">/, path);
        assert.ok(body.includes(fr('error.notfound').replaceAll("'", '&#39;')), path);
      }
      // The switcher's fallback when its way back is refused lands on such a page too.
      const browser = new TestBrowser({ 'accept-language': 'nl' });
      const set = await browser.request(`${idp.url}/lang?set=en&back=${encodeURIComponent('//evil.example/')}`);
      const landed = await browser.request(new URL(set.headers.get('location') ?? '', idp.url).href);
      assert.match(await landed.text(), /<html lang="en">/);
      // The provider's own answers are untouched: an unknown client at the token endpoint still gets JSON.
      const token = await fetch(`${idp.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }) });
      assert.match(token.headers.get('content-type') ?? '', /json/);
    });

    test('a service client gets a token by client_credentials', async () => {
      const config = await discover({ ...rp, clientId: 'thirdparty', clientSecret: 'a'.repeat(40) });
      const tokens = await oidc.clientCredentialsGrant(config);
      assert.ok(tokens.access_token.length > 20);
      // RFC 6749 §5.1: neither an HTTP/1.1 nor an HTTP/1.0 cache may keep a token response.
      const res = await fetch(`${idp.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'thirdparty', client_secret: 'a'.repeat(40) }) });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('pragma'), 'no-cache');
      // A page anyone may cache says nothing of the kind.
      const discovery = await fetch(`${idp.url}/.well-known/openid-configuration`);
      assert.equal(discovery.headers.get('pragma'), null);
    });
  });
}
