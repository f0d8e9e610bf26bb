// Integration: step-up with acr_values, the claims parameter, max_age/prompt=login, prompt=none and
// clients that require MFA, through openid-client and the real pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestBrowser, secretOf } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { manualClock } from '../security/clock.ts';
import { timeStepAt, totpAt } from '../factors/totp.ts';
import * as oidc from 'openid-client';

const REDIRECT = 'http://127.0.0.1:8767/callback';
// Short, so the test can let an aal2 session age past it in real time (auth_time is wall-clock).
const AAL2_MAX_AGE = 4;
const ESSENTIAL_AAL2 = JSON.stringify({ id_token: { acr: { essential: true, values: ['aal2'] } } });

for (const backend of backends()) {
  describe(`step-up (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    const clock = manualClock(Date.now());
    let secret = '';

    before(async () => {
      idp = await startTestIdp({ backend, clock, env: { AAL2_MAX_AGE_SECONDS: String(AAL2_MAX_AGE) } });
      await idp.addUser({ username: 'cas', password: 'customer-password-1' });
      await idp.addUser({ username: 'mia', password: 'customer-password-2' });
      await idp.addUser({ username: 'noa', password: 'customer-password-3' });
      await idp.addClient({ client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true, grant_types: ['authorization_code', 'refresh_token'] });
      await idp.addClient({ client_id: 'payouts', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true, default_acr_values: ['aal2'] });
      rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
      config = await discover(rp);
    });
    after(() => idp.stop());

    /** Starts a request and follows it: either straight to the callback or to one of our pages. */
    async function go(browser: TestBrowser, extra: Record<string, string> = {}, cfg = config, opts = rp) {
      const started = await startSignIn(cfg, opts, extra);
      return { started, ...(await openSignInPage(browser, started, REDIRECT)) };
    }

    const browser = new TestBrowser();
    let firstAuthTime = 0;

    test('a customer at aal1 steps up to aal2 through enrolment, without typing the password again', async () => {
      const login = await go(browser);
      const signedIn = await submit(browser, login.url, login.html, '/login', { username: 'cas', password: 'customer-password-1' }, REDIRECT);
      const c1 = (await redeem(config, signedIn.url, login.started)).claims();
      assert.equal(c1?.acr, 'aal1');
      firstAuthTime = Number(c1?.auth_time);

      const step = await go(browser, { acr_values: 'aal2' });
      assert.match(step.html, /data-testid="totp-qr"/, 'goes straight to enrolment');
      assert.doesNotMatch(step.html, /name="password"/);
      secret = secretOf(step.html);
      const codes = await submit(browser, step.url, step.html, '/enrol', { code: await totpAt(secret, timeStepAt(clock.now())) }, REDIRECT);
      const done = await submit(browser, codes.url, codes.html, '/continue', {}, REDIRECT);
      const c2 = (await redeem(config, done.url, step.started)).claims();
      assert.equal(c2?.acr, 'aal2');
      assert.deepEqual(c2?.amr, ['pwd', 'otp', 'mfa']);
      assert.equal(c2?.sub, c1?.sub);
    });

    test('a session already at aal2 is not asked again, by acr_values or the essential claim', async () => {
      for (const extra of [{ acr_values: 'aal2' }, { claims: ESSENTIAL_AAL2 }] as Array<Record<string, string>>) {
        const again = await go(browser, extra);
        assert.ok(again.url.startsWith(REDIRECT), `no interaction for ${JSON.stringify(extra)}`);
        assert.equal((await redeem(config, again.url, again.started)).claims()?.acr, 'aal2');
      }
      // OIDC Core 5.5.1.1: an essential request for aal1 gets aal1 (the session meets it), not aal2.
      const low = await go(browser, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal1'] } } }) });
      assert.ok(low.url.startsWith(REDIRECT));
      assert.equal((await redeem(config, low.url, low.started)).claims()?.acr, 'aal1');
      const after = await go(browser, { acr_values: 'aal2' });
      assert.equal((await redeem(config, after.url, after.started)).claims()?.acr, 'aal2', 'the session keeps its level');
      // Also where a floor (here the client's default_acr_values) made the sign-in reach aal2: the
      // floor decides what the person does, the essential request what the token says.
      const payouts = { ...rp, clientId: 'payouts' };
      const payoutsConfig = await discover(payouts);
      const floored = await go(browser, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal1'] } } }) }, payoutsConfig, payouts);
      assert.ok(floored.url.startsWith(REDIRECT));
      const flooredClaims = (await redeem(payoutsConfig, floored.url, floored.started)).claims();
      assert.equal(flooredClaims?.acr, 'aal1');
      assert.deepEqual(flooredClaims?.amr, ['pwd', 'otp', 'mfa'], 'amr still says how the person signed in');
    });

    test('an installer asking for an essential aal1 gets aal1 in tokens that work, after signing in with both factors', async () => {
      // OIDC Core 5.5.1.1: one of the requested values. The second factor is still required (the
      // role's floor), and the token endpoint judges an installer's code by its amr, not its acr.
      await idp.addUser({ username: 'ivo', password: 'installer-password-1', role: 'installer' });
      const b = new TestBrowser();
      const started = await startSignIn(config, rp, { scope: 'openid offline_access', prompt: 'consent', claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal1'] } } }) });
      const page = await openSignInPage(b, started, REDIRECT);
      const enrol = await submit(b, page.url, page.html, '/login', { username: 'ivo', password: 'installer-password-1' }, REDIRECT);
      assert.match(enrol.html, /data-testid="totp-qr"/, 'the installer still sets up the second factor');
      const codes = await submit(b, enrol.url, enrol.html, '/enrol', { code: await totpAt(secretOf(enrol.html), timeStepAt(clock.now())) }, REDIRECT);
      let landed = await submit(b, codes.url, codes.html, '/continue', {}, REDIRECT);
      if (!landed.url.startsWith(REDIRECT)) landed = await submit(b, landed.url, landed.html, '/consent', {}, REDIRECT);
      const tokens = await redeem(config, landed.url, started);
      assert.equal(tokens.claims()?.acr, 'aal1');
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
      assert.ok(tokens.refresh_token);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
      assert.ok(refreshed.access_token, 'the refresh token from that sign-in stands');
      // Without the essential request the same session's tokens say aal2.
      const plain = await go(b);
      assert.ok(plain.url.startsWith(REDIRECT), 'single sign-on');
      assert.equal((await redeem(config, plain.url, plain.started)).claims()?.acr, 'aal2');
    });

    test('when aal2 has aged past its limit, tokens say aal1 and an enrolled user steps up with a code only', async () => {
      await new Promise((r) => setTimeout(r, AAL2_MAX_AGE * 1000 + 1100));
      clock.advance(30_000);
      // Asked for nothing in particular, the aged session signs the app in at the level it has now.
      const plain = await go(browser);
      assert.ok(plain.url.startsWith(REDIRECT), 'single sign-on needs no interaction');
      const aged = (await redeem(config, plain.url, plain.started)).claims();
      assert.equal(aged?.acr, 'aal1');
      assert.deepEqual(aged?.amr, ['pwd']);
      const step = await go(browser, { claims: ESSENTIAL_AAL2 });
      assert.match(step.html, /autocomplete="one-time-code"/);
      assert.doesNotMatch(step.html, /totp-qr|name="password"/);
      const done = await submit(browser, step.url, step.html, '/totp', { code: await totpAt(secret, timeStepAt(clock.now())) }, REDIRECT);
      assert.equal((await redeem(config, done.url, step.started)).claims()?.acr, 'aal2');
    });

    test('max_age=0 and prompt=login ask for everything again and move auth_time forward', async () => {
      for (const extra of [{ max_age: '0' }, { prompt: 'login' }] as Array<Record<string, string>>) {
        clock.advance(30_000);
        const login = await go(browser, extra);
        assert.match(login.html, /name="password"/, `password asked for ${JSON.stringify(extra)}`);
        const totp = await submit(browser, login.url, login.html, '/login', { username: 'cas', password: 'customer-password-1' }, REDIRECT);
        assert.match(totp.html, /autocomplete="one-time-code"/);
        const done = await submit(browser, totp.url, totp.html, '/totp', { code: await totpAt(secret, timeStepAt(clock.now())) }, REDIRECT);
        const claims = (await redeem(config, done.url, login.started)).claims();
        assert.ok(Number(claims?.auth_time) > firstAuthTime, 'auth_time moved forward');
        assert.equal(claims?.acr, 'aal2');
      }
    });

    test('prompt=none that cannot be met gives login_required, never a lower-level token', async () => {
      const fresh = new TestBrowser();
      const none = await go(fresh, { prompt: 'none' });
      assert.equal(new URL(none.url).searchParams.get('error'), 'login_required');
      const aal1 = new TestBrowser();
      const login = await go(aal1);
      const cb = await submit(aal1, login.url, login.html, '/login', { username: 'mia', password: 'customer-password-2' }, REDIRECT);
      assert.equal((await redeem(config, cb.url, login.started)).claims()?.acr, 'aal1');
      for (const extra of [{ acr_values: 'aal2' }, { claims: ESSENTIAL_AAL2 }] as Array<Record<string, string>>) {
        const res = await go(aal1, { prompt: 'none', ...extra });
        const url = new URL(res.url);
        assert.equal(url.searchParams.get('error'), 'login_required');
        assert.equal(url.searchParams.get('code'), null);
      }
    });

    test('a client that requires MFA always gets aal2, and the request cannot lower it', async () => {
      const payouts = { ...rp, clientId: 'payouts' };
      const cfg = await discover(payouts);
      const b = new TestBrowser();
      const login = await go(b, { acr_values: 'aal1' }, cfg, payouts);
      const enrol = await submit(b, login.url, login.html, '/login', { username: 'mia', password: 'customer-password-2' }, REDIRECT);
      assert.match(enrol.html, /data-testid="totp-qr"/);
      const codes = await submit(b, enrol.url, enrol.html, '/enrol', { code: await totpAt(secretOf(enrol.html), timeStepAt(clock.now())) }, REDIRECT);
      const done = await submit(b, codes.url, codes.html, '/continue', {}, REDIRECT);
      assert.equal((await redeem(cfg, done.url, login.started)).claims()?.acr, 'aal2');
    });

    test('unknown acr values are ignored, an essential unknown one fails, malformed claims get invalid_request, never a 500', async () => {
      const b = new TestBrowser();
      const unknown = await go(b, { acr_values: 'gold' });
      assert.match(unknown.html, /name="password"/);
      // Essential and unknown: a failed authentication (OIDC Core 5.5.1.1), not a token at aal1.
      const unmet = await go(new TestBrowser(), { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal3'] } } }) });
      assert.ok(unmet.url.startsWith(REDIRECT), 'redirected with an error');
      assert.equal(new URL(unmet.url).searchParams.get('error'), 'unmet_authentication_requirements');
      assert.equal(new URL(unmet.url).searchParams.get('code'), null);
      for (const claims of ['{not json', JSON.stringify({ id_token: { acr: { essential: true, values: 'aal2' } } })]) {
        const res = await go(new TestBrowser(), { claims });
        assert.ok(res.url.startsWith(REDIRECT), `redirected with an error for ${claims}`);
        assert.equal(new URL(res.url).searchParams.get('error'), 'invalid_request');
      }
    });

    test('an essential acr in the claims parameter holds when acr_values is sent too', async () => {
      // oidc-provider puts acr_values in place of the claims parameter's acr (essential flag and
      // all); OIDC Core 5.5.1.1 still requires a value the essential request listed, or a failure.
      const b = new TestBrowser();
      const login = await go(b);
      const cb = await submit(b, login.url, login.html, '/login', { username: 'noa', password: 'customer-password-3' }, REDIRECT);
      assert.equal((await redeem(config, cb.url, login.started)).claims()?.acr, 'aal1');
      const none = await go(b, { prompt: 'none', acr_values: 'aal1', claims: ESSENTIAL_AAL2 });
      assert.equal(new URL(none.url).searchParams.get('error'), 'login_required', 'no aal1 token for an essential aal2 request');
      const step = await go(b, { acr_values: 'aal1', claims: ESSENTIAL_AAL2 });
      assert.match(step.html, /data-testid="totp-qr"/, 'asked for the second factor');
      const unmet = await go(b, { acr_values: 'aal1', claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal3'] } } }) });
      assert.equal(new URL(unmet.url).searchParams.get('error'), 'unmet_authentication_requirements');
      // Nor does an essential acr cancel acr_values: "return acr" (no level), or a lower level, still needs aal2.
      for (const acr of [{ essential: true }, { essential: true, values: ['aal1'] }, { essential: true, value: 'aal1' }]) {
        const both = await go(b, { prompt: 'none', acr_values: 'aal2', claims: JSON.stringify({ id_token: { acr } }) });
        assert.equal(new URL(both.url).searchParams.get('error'), 'login_required', `acr_values=aal2 with ${JSON.stringify(acr)}`);
      }
    });
  });
}
