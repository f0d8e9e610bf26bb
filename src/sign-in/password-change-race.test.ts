// Integration: a sign-in whose password step checked the old password while an operator replaced
// it (or disabled the account) gets no code, neither when it finishes at once nor when it goes on to
// the TOTP step, and the audit trail says it was refused, not that it succeeded. The hash check is
// held open by a hasher the test releases, so the order is exact (a review won this race 18 times in
// 40 by timing alone).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, startSignIn, type RpOptions } from '../testing/relying-party.ts';
import { gatedHasher } from '../testing/gate.ts';
import { signOutEverywhere } from '../provider/account-sign-out.ts';
import { generateTotpSecret, timeStepAt } from '../factors/totp.ts';
import { systemClock } from '../security/clock.ts';
import argon2 from 'argon2';
import { OWASP_ARGON2ID } from '../security/password-hashing.ts';

const REDIRECT = 'http://127.0.0.1:8773/callback';

for (const backend of backends()) {
  describe(`a sign-in during an operator's change (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    const gated = gatedHasher();

    before(async () => {
      idp = await startTestIdp({ backend, hasher: gated.hasher });
      ({ rp, config } = await addPortal(idp, REDIRECT));
    });
    after(() => idp.stop());

    /** The account's audit events, oldest first, with the reason of any refusal. */
    async function trail(userId: string): Promise<string[]> {
      return (await idp.app.audit.list({ userId })).reverse().map((e) => (e.event === 'login.refused' ? `${e.event}:${String(e.detail?.['reason'])}` : e.event));
    }

    /** Posts the password with its check held; answers where the browser lands (and the page) once it is released after `change`. */
    async function signInAcross(username: string, password: string, change: () => Promise<void>): Promise<{ url: string; html: string; knownDevice: boolean }> {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const form = findForm(page.html, '/login', page.url);
      const gate = gated.gate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, username, password });
      await gate.reached; // the old hash was read and matched
      await change();
      gate.release();
      const res = await posting;
      const location = res.headers.get('location');
      // The known-device cookie (its own throttle budget) is for a browser that completed a sign-in.
      const knownDevice = () => browser.cookies.has('jullix_device');
      // A refusal answers its page at once; anything else is followed to where it leads.
      if (location === null) return { url: form.action, html: await res.text(), knownDevice: knownDevice() };
      const landed = await browser.follow(new URL(location, form.action).href, (u) => u.startsWith(REDIRECT));
      return { url: landed.url, html: landed.url.startsWith(REDIRECT) ? '' : await landed.res.text(), knownDevice: knownDevice() };
    }

    test('a password reset during the password step: no code from the old password', async () => {
      const user = await idp.addUser({ username: 'rosa', password: 'old-password-1' });
      const { url: landed, html, knownDevice } = await signInAcross('rosa', 'old-password-1', async () => {
        await idp.app.accounts.setPasswordHash(user.id, await gated.hasher.hash('new-password-2'));
        await signOutEverywhere(idp.db, systemClock, user.id);
      });
      assert.equal(new URL(landed).searchParams.get('code'), null, `landed on ${landed}`);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'login.refused:password_changed']);
      assert.equal(knownDevice, false);
      assert.match(html, /werd gewijzigd terwijl je je aanmeldde/, 'the page says the account changed, not that the sign-in expired');
    });

    test('the same when the TOTP step comes next: the sign-in starts again at the password', async () => {
      const user = await idp.addUser({ username: 'sem', password: 'old-password-3' });
      await idp.app.totp.enrol(user.id, generateTotpSecret(), timeStepAt(Date.now()) - 2);
      const landed = await signInAcross('sem', 'old-password-3', async () => {
        await idp.app.accounts.setPasswordHash(user.id, await gated.hasher.hash('new-password-4'));
        await signOutEverywhere(idp.db, systemClock, user.id);
      });
      assert.equal((await idp.db('interaction_state').whereIn('account_id', [user.id]).select('uid')).length, 0, 'no sign-in state kept for the old password');
      // The same browser is back at the password step, not at the code.
      assert.match(landed.html, /name="password"/);
      assert.doesNotMatch(landed.html, /name="code"/);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'login.refused:password_changed']);
    });

    test('a disable during the password step: no code either', async () => {
      const user = await idp.addUser({ username: 'tom', password: 'old-password-5' });
      const { url: landed } = await signInAcross('tom', 'old-password-5', async () => {
        await idp.app.accounts.setDisabled(user.id, true);
        await signOutEverywhere(idp.db, systemClock, user.id);
      });
      assert.equal(new URL(landed).searchParams.get('code'), null);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'login.refused:account_disabled']);
    });

    test('a reset during the password step of a hash due for an upgrade: the rehash does not put the old password back', async () => {
      // Stored as argon2i, as an older release or an import left it: the next sign-in rehashes it.
      const user = await idp.addUser({ username: 'vic', password: 'old-password-7' });
      await idp.db('users').where('id', user.id).update({ password_hash: await argon2.hash('old-password-7', { type: argon2.argon2i, ...OWASP_ARGON2ID }) });
      const { url: landed } = await signInAcross('vic', 'old-password-7', async () => {
        await idp.app.accounts.setPasswordHash(user.id, await gated.hasher.hash('new-password-8'));
        await signOutEverywhere(idp.db, systemClock, user.id);
      });
      assert.equal(new URL(landed).searchParams.get('code'), null, `landed on ${landed}`);
      // The reset's password is the account's; the old one signs nobody in any more.
      const again = await signInAcross('vic', 'old-password-7', async () => undefined);
      assert.equal(new URL(again.url).searchParams.get('code'), null, `the old password signed in after the reset: ${again.url}`);
      const fresh = await signInAcross('vic', 'new-password-8', async () => undefined);
      assert.ok(new URL(fresh.url).searchParams.get('code'), `the reset's password signs in: ${fresh.url}`);
    });

    test('without a change the held sign-in goes through (the test can tell the difference)', async () => {
      const user = await idp.addUser({ username: 'uma', password: 'old-password-6' });
      const { url: landed, knownDevice } = await signInAcross('uma', 'old-password-6', async () => undefined);
      assert.ok(new URL(landed).searchParams.get('code'), `landed on ${landed}`);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'login.success']);
      assert.equal(knownDevice, true);
    });
  });
}
