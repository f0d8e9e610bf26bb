// Integration: what a sign-in made before an operator changed the account is still worth. Someone
// made an installer (a role that must use the second factor) after signing in with the password
// alone gets no token from that sign-in; a disabled account's session asks for a sign-in again;
// an operator's password or two-step reset, or a role that needs the second factor (the CLI), signs
// the account out everywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, passwordSignIn, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { findForm } from '../testing/browser.ts';
import { addLogoutApp, LOGOUT_EVENT, startLogoutReceiver, type LogoutReceiver } from '../testing/backchannel.ts';
import { runCli } from '../cli/test-support.ts';
import { generateTotpSecret, timeStepAt, totpAt } from '../factors/totp.ts';

const REDIRECT = 'http://127.0.0.1:8768/callback';
const SHOP_REDIRECT = 'http://127.0.0.1:8769/callback';

for (const backend of backends()) {
  describe(`account changes after a sign-in (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    let shop: RpOptions;
    let shopConfig: oidc.Configuration;
    let logouts: LogoutReceiver;

    before(async () => {
      idp = await startTestIdp({ backend });
      // A second app that wants to hear when a session it signed in ends (Back-Channel Logout 1.0).
      logouts = await startLogoutReceiver();
      ({ rp: shop, config: shopConfig } = await addLogoutApp(idp, 'shop', SHOP_REDIRECT, logouts));
      await idp.addClient({
        client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true,
        grant_types: ['authorization_code', 'refresh_token'],
      });
      rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
      config = await discover(rp);
    });
    after(async () => { await idp.stop(); await logouts.close(); });

    async function open(browser: TestBrowser, extra: Record<string, string> = {}) {
      return openSignInPage(browser, await startSignIn(config, rp, extra), REDIRECT);
    }

    /** The operator's command, run as a separate process against this IdP's database. */
    const cli = (args: string[], stdin?: string) => runCli(idp.dataDir, args, {
      ...(stdin === undefined ? {} : { stdin }), ...(idp.config.databaseUrl ? { env: { DATABASE_URL: idp.config.databaseUrl } } : {}),
    });

    /** A sign-in that keeps a refresh token: offline_access asks for consent (OIDC Core 11). */
    async function signInWithRefresh(browser: TestBrowser, username: string, password: string, second?: () => Promise<string>) {
      const started = await startSignIn(config, rp, { scope: 'openid offline_access', prompt: 'consent' });
      const page = await openSignInPage(browser, started, REDIRECT);
      let landed = await submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT);
      if (second && !landed.url.startsWith(REDIRECT)) landed = await submit(browser, landed.url, landed.html, '/totp', { code: await second() }, REDIRECT);
      if (!landed.url.startsWith(REDIRECT)) landed = await submit(browser, landed.url, landed.html, '/consent', {}, REDIRECT);
      const tokens = await redeem(config, landed.url, started);
      assert.ok(tokens.refresh_token, 'the app holds a refresh token');
      return tokens;
    }

    /** Everything the sign-in left behind no longer works, for the app and for the browser. */
    async function assertSignedOut(browser: TestBrowser, tokens: oidc.TokenEndpointResponse) {
      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token ?? ''), (err: unknown) => (err as { error?: string }).error === 'invalid_grant');
      const userinfo = await fetch(new URL('/me', idp.config.issuer), { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(userinfo.status, 401, 'the access token stopped working');
      // What a resource server asks (RFC 7662): the IdP must not call the token active any more.
      for (const token of [tokens.access_token, tokens.refresh_token ?? '']) {
        const res = await fetch(new URL('/token/introspection', idp.config.issuer), { method: 'POST', body: new URLSearchParams({ client_id: 'portal', token }) });
        assert.deepEqual(await res.json(), { active: false }, 'introspection: inactive');
      }
      const silent = await open(browser, { prompt: 'none' });
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', 'no SSO from the old session');
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

    test('set-password signs the account out everywhere: sessions, tokens, a sign-in waiting to resume', async () => {
      await idp.addUser({ username: 'pia', password: 'customer-password-3' });
      const browser = new TestBrowser();
      const tokens = await signInWithRefresh(browser, 'pia', 'customer-password-3');
      // Someone else holding the old password stops just before the resume, to come back later.
      const waiting = new TestBrowser();
      const page = await open(waiting);
      const form = findForm(page.html, '/login', page.url);
      const passed = await waiting.postForm(form.action, { ...form.fields, username: 'pia', password: 'customer-password-3' });
      assert.equal(passed.status, 303);
      const resume = new URL(passed.headers.get('location') ?? '', form.action).href;

      // The same browser session signs in to the shop too (SSO), whose ID token carries the sid.
      const shopStarted = await startSignIn(shopConfig, shop);
      const shopLanded = await openSignInPage(browser, shopStarted, SHOP_REDIRECT);
      const shopClaims = (await redeem(shopConfig, shopLanded.url, shopStarted)).claims();
      assert.ok(shopClaims?.sid, 'the shop knows the session by its sid');
      logouts.received.length = 0;

      const late = await idp.db('oidc_models').where({ model: 'RefreshToken', id: tokens.refresh_token }).first() as Record<string, unknown> & { id: string };
      assert.ok(late, 'the refresh token row, as a racing refresh would write it again');
      const set = await cli(['user', 'set-password', 'pia', '--password-stdin'], 'a fresh passphrase 4');
      assert.equal(set.code, 0, set.stderr);
      // The portal's code, access token and refresh token, and the shop's code and access token.
      assert.match(set.stdout, /^Password set for pia; signed out everywhere \(1 session ended, 5 tokens revoked; the server tells 1 app by back-channel logout\)\.$/m);
      // The CLI queued it; the running server sends it within its 2 s look at the queue.
      for (let waited = 0; logouts.received.length === 0 && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(logouts.received.length, 1, 'the shop was told, once');
      const [told] = logouts.received;
      assert.deepEqual([told?.iss, told?.aud, told?.sub, told?.sid], [idp.config.issuer, 'shop', shopClaims.sub, shopClaims.sid]);
      assert.ok(told?.events?.[LOGOUT_EVENT], 'a logout token, not an ID token');

      await assertSignedOut(browser, tokens);
      // A refresh already under way when the sign-out ran writes its new refresh token afterwards
      // (oidc-provider saves it after consuming the old one): such a late row is refused too.
      await idp.db('oidc_models').insert(late);
      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token ?? ''), (err: unknown) => (err as { error?: string }).error === 'invalid_grant', 'a late refresh token without its grant');
      await idp.db('oidc_models').where({ model: 'RefreshToken', id: late.id }).delete();
      const resumed = await waiting.follow(resume, (u) => u.startsWith(REDIRECT));
      assert.equal(new URL(resumed.url).searchParams.get('code'), null, 'the waiting sign-in gets no code');
      const audit = await idp.db('audit_log').where('event', 'user.password_set').first('detail');
      const detail = JSON.parse(String(audit?.detail)) as Record<string, unknown>;
      assert.deepEqual([detail['sessionsEnded'], detail['tokensRevoked'], detail['logoutsQueued']], [1, 5, 1]);
      assert.equal(Number((await idp.db('backchannel_logouts').count({ n: '*' }).first())?.n), 0, 'sent, so no longer queued');
      // The new password signs in; another account was not touched.
      assert.ok((await passwordSignIn(new TestBrowser(), config, rp, 'pia', 'a fresh passphrase 4')).access_token);
    });

    test('reset-2fa (a lost phone) ends what the phone signed in', async () => {
      const user = await idp.addUser({ username: 'lou', password: 'customer-password-5' });
      const secret = generateTotpSecret();
      await idp.app.totp.enrol(user.id, secret, timeStepAt(Date.now()) - 2);
      await idp.addUser({ username: 'bea', password: 'customer-password-6' });
      const theirs = await signInWithRefresh(new TestBrowser(), 'bea', 'customer-password-6');
      const browser = new TestBrowser();
      const tokens = await signInWithRefresh(browser, 'lou', 'customer-password-5', async () => totpAt(secret, timeStepAt(Date.now())));
      assert.equal(tokens.claims()?.acr, 'aal2');

      const reset = await cli(['user', 'reset-2fa', 'lou']);
      assert.equal(reset.code, 0, reset.stderr);
      assert.match(reset.stdout, /removed the authenticator app \(TOTP\) and 0 unused recovery codes; signed out everywhere \(1 session ended, 3 tokens revoked\)/);

      await assertSignedOut(browser, tokens);
      const still = await oidc.refreshTokenGrant(config, theirs.refresh_token ?? '');
      assert.ok(still.access_token, "another account's tokens still work");
    });

    test('set-role to installer ends what the password alone signed in to, access tokens included', async () => {
      await idp.addUser({ username: 'tijs', password: 'customer-password-7' });
      const browser = new TestBrowser();
      const tokens = await signInWithRefresh(browser, 'tijs', 'customer-password-7');
      const changed = await cli(['user', 'set-role', 'tijs', 'installer']);
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /^tijs now has the role installer \(was customer\); signed out everywhere \(1 session ended, 3 tokens revoked\), as the role requires two-step verification\.$/m);
      await assertSignedOut(browser, tokens);
      // Back to customer: nothing to end.
      const back = await cli(['user', 'set-role', 'tijs', 'customer']);
      assert.equal(back.stdout.trim(), 'tijs now has the role customer (was installer).');
    });

    test('disable (the CLI) signs the account out everywhere: introspection calls its tokens inactive', async () => {
      await idp.addUser({ username: 'dirk', password: 'customer-password-8' });
      const browser = new TestBrowser();
      const tokens = await signInWithRefresh(browser, 'dirk', 'customer-password-8');
      const disabled = await cli(['user', 'disable', 'dirk']);
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match(disabled.stdout, /^dirk is now disabled; signed out everywhere \(1 session ended, 3 tokens revoked\)\.$/m);
      await assertSignedOut(browser, tokens);
    });

    /** A password sign-in attempt from `browser` as `username`, each from a fresh authorization request. */
    const passwordAttempts = (browser: TestBrowser, username: string) => async (password: string) => {
      const page = await open(browser);
      return submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT);
    };

    test('unlock (the CLI) clears the failures that made the account wait: the right password works at once', async () => {
      await idp.addUser({ username: 'lena', password: 'customer-password-9' });
      const browser = new TestBrowser();
      const attempt = passwordAttempts(browser, 'lena');
      for (let i = 0; i < 5; i++) assert.equal((await attempt(`wrong-guess-${i}`)).status, 401);
      assert.equal((await attempt('customer-password-9')).status, 429, 'throttled even with the right password');
      const unlocked = await cli(['user', 'unlock', 'lena']);
      assert.equal(unlocked.code, 0, unlocked.stderr);
      assert.equal(unlocked.stdout.trim(), 'Unlocked lena: cleared 1 failure counter.');
      assert.ok((await attempt('customer-password-9')).url.startsWith(REDIRECT), 'signed in');
      assert.equal((await cli(['user', 'unlock', 'lena'])).stdout.trim(), 'lena has no failed sign-ins counted; nothing to unlock.');
    });

    test('unlock also clears the budget of a browser that signed in before (its own counter, not the account\'s)', async () => {
      await idp.addUser({ username: 'mira', password: 'customer-password-10' });
      const browser = new TestBrowser();
      const attempt = passwordAttempts(browser, 'mira');
      assert.ok((await attempt('customer-password-10')).url.startsWith(REDIRECT), 'a first sign-in makes this browser known');
      // The browser keeps only its device cookie (and its signature): no session, so the next visit asks for the password.
      for (const name of [...browser.cookies.keys()]) if (!name.startsWith('jullix_device')) browser.cookies.delete(name);
      assert.ok(browser.cookies.has('jullix_device'));
      for (let i = 0; i < 5; i++) assert.equal((await attempt(`wrong-guess-${i}`)).status, 401);
      assert.equal((await attempt('customer-password-10')).status, 429, 'this browser waits');
      const unlocked = await cli(['user', 'unlock', 'mira']);
      assert.equal(unlocked.code, 0, unlocked.stderr);
      assert.equal(unlocked.stdout.trim(), 'Unlocked mira: cleared 1 failure counter.');
      assert.ok((await attempt('customer-password-10')).url.startsWith(REDIRECT), 'signed in at once');
    });
  });
}
