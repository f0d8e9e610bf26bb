// Integration: the session id changes whenever the level of authentication does (ASVS 7.2.4):
// at a sign-in and at a step-up from aal1 to aal2. Whoever copied the `_session` cookie before
// (fixation, a shared computer, a leaked log) holds a dead id afterwards.
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestBrowser, secretOf } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { manualClock } from '../security/clock.ts';
import { timeStepAt, totpAt } from '../factors/totp.ts';
import type * as oidc from 'openid-client';

const REDIRECT = 'http://127.0.0.1:8769/callback';
const COOKIE_KEY = 'session-rotation-test-cookie-key-0123456789';

/** The signature the cookies library (Keygrip, HMAC-SHA1) puts in `<name>.sig`. */
const keygripSign = (data: string, key: string) => createHmac('sha1', key).update(data).digest('base64url');

for (const backend of backends()) {
  describe(`session id rotation (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    const clock = manualClock(Date.now());

    before(async () => {
      idp = await startTestIdp({ backend, clock, env: { COOKIE_KEYS: COOKIE_KEY } });
      await idp.addUser({ username: 'rosa', password: 'rosa-password-1' });
      await idp.addUser({ username: 'tom', password: 'tom-password-1' });
      ({ rp, config } = await addPortal(idp, REDIRECT));
    });
    after(() => idp.stop());

    /** The live (not ended) stored session with this id. */
    const stored = async (id: string | undefined) => (id ? idp.db('oidc_models').where({ model: 'Session', id }).whereNull('consumed_at').first() : undefined);

    /** A second browser holding a copy of `browser`'s cookies as they are now. */
    function copyOf(browser: TestBrowser): TestBrowser {
      const copy = new TestBrowser();
      for (const [k, v] of browser.cookies) copy.cookies.set(k, v);
      return copy;
    }

    /** 'sso' when the request goes straight back to the app, 'password' or 'code' for the form it shows. */
    async function authorize(browser: TestBrowser, extra: Record<string, string> = {}) {
      const started = await startSignIn(config, rp, extra);
      const landed = await openSignInPage(browser, started, REDIRECT);
      const kind = landed.url.startsWith(REDIRECT) ? 'sso' : /name="password"/.test(landed.html) ? 'password' : /data-testid="totp-qr"/.test(landed.html) ? 'enrol' : 'other';
      return { kind, started, ...landed };
    }

    async function signIn(browser: TestBrowser, username: string, password: string, extra: Record<string, string> = {}) {
      const page = await authorize(browser, extra);
      assert.equal(page.kind, 'password');
      return submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT);
    }

    test('a sign-in replaces the session cookie the browser had; the old id is gone from the store', async () => {
      const browser = new TestBrowser();
      const first = await signIn(browser, 'rosa', 'rosa-password-1');
      assert.ok(first.url.startsWith(REDIRECT));
      const before = browser.cookies.get('_session');
      assert.ok(before && (await stored(before)), 'signed in: a stored session');
      const stolen = copyOf(browser);

      // Signing in again (prompt=login) in the same browser: the pre-existing session cookie must not survive.
      const again = await signIn(browser, 'rosa', 'rosa-password-1', { prompt: 'login' });
      assert.ok(again.url.startsWith(REDIRECT));
      const after = browser.cookies.get('_session');
      assert.ok(after && after !== before, 'a new session id after the sign-in');
      assert.equal(await stored(before), undefined, 'the old id is ended, not just unused');
      assert.ok(await stored(after));
      assert.equal((await authorize(stolen)).kind, 'password', 'the copied old cookie signs nobody in');
      assert.equal((await authorize(browser)).kind, 'sso');
    });

    test('a session id chosen by someone else (fixation) is never adopted at the sign-in', async () => {
      // No session exists before a sign-in (the provider stores none for an anonymous visit), so the
      // attacker plants a made-up id, signed as if it had the cookie key: the strongest case.
      const planted = 'fixated-session-id-chosen-by-the-attacker';
      const attacker = new TestBrowser();
      attacker.cookies.set('_session', planted);
      attacker.cookies.set('_session.sig', keygripSign(`_session=${planted}`, COOKIE_KEY));
      const victim = copyOf(attacker);
      const done = await signIn(victim, 'rosa', 'rosa-password-1');
      assert.ok(done.url.startsWith(REDIRECT));
      const signedIn = victim.cookies.get('_session');
      assert.ok(signedIn && signedIn !== planted, 'the victim has a session id the attacker never saw');
      assert.equal(await stored(planted), undefined);
      assert.equal((await authorize(attacker)).kind, 'password', 'the attacker is not signed in as the victim');
    });

    test('a step-up from aal1 to aal2 rotates the id; the aal1 id cannot be used at aal2 or at all', async () => {
      const browser = new TestBrowser();
      const aal1 = await signIn(browser, 'tom', 'tom-password-1');
      assert.ok(aal1.url.startsWith(REDIRECT));
      const aal1Id = browser.cookies.get('_session');
      const stolen = copyOf(browser);
      assert.ok(aal1Id && (await stored(aal1Id)));

      // The step-up: a customer without TOTP enrols it on the way (the password is kept from the session).
      const step = await authorize(browser, { acr_values: 'aal2' });
      assert.equal(step.kind, 'enrol');
      const secret = secretOf(step.html);
      const codes = await submit(browser, step.url, step.html, '/enrol', { code: await totpAt(secret, timeStepAt(clock.now())) }, REDIRECT);
      const done = await submit(browser, codes.url, codes.html, '/continue', {}, REDIRECT);
      assert.equal((await redeem(config, done.url, step.started)).claims()?.acr, 'aal2');

      const aal2Id = browser.cookies.get('_session');
      assert.ok(aal2Id && aal2Id !== aal1Id, 'a new session id at aal2');
      assert.equal(await stored(aal1Id), undefined, 'the aal1 id is ended');
      assert.equal((await authorize(stolen, { acr_values: 'aal2' })).kind, 'password', 'the old cookie is worth nothing');
      const sso = await authorize(browser, { acr_values: 'aal2' });
      assert.equal(sso.kind, 'sso');
    });
  });
}
