// Integration: a sign-out of the account (here an operator's password reset: the new hash and the
// sign-out in one transaction, as `user set-password` runs them) that lands while a password step
// finishes, after its check and before its result is saved, must leave it no code, also when the
// sign-out cannot find the sign-in (found by a review):
// - another password step in the same interaction, for an account the attacker owns, re-binds the
//   sign-in's progress row to that account between the finish's check and the sign-out;
// - on PostgreSQL, the finish runs while the sign-out's transaction is under way: its check reads
//   the account as it was before the uncommitted reset.
// The save carries the account's sign-out count the sign-in began under and writes nothing once a
// sign-out moved it on (src/provider/sign-out-guard.ts). Each step is held at an exact point.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { secretOf } from '../adversarial/flows.ts';
import { signOutEverywhere } from '../provider/account-sign-out.ts';
import { generateTotpSecret, timeStepAt, totpAt } from '../factors/totp.ts';
import { systemClock } from '../security/clock.ts';
import { openDatabase } from '../db/connection.ts';
import { createGate, gatedHasher, gateMethod } from '../testing/gate.ts';

const REDIRECT = 'http://127.0.0.1:8785/callback';

for (const backend of backends()) {
  describe(`a sign-out that does not find a finishing sign-in's progress (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    const gated = gatedHasher();
    /** Armed by a test: the next finish waits here, once its check has passed and before its result is saved. */
    const checkedGate = createGate();
    /** Armed by a test: the next enrolment waits here, its code checked, before the authenticator is stored. */
    const enrolGate = createGate();

    before(async () => {
      idp = await startTestIdp({ backend, hasher: gated.hasher });
      ({ rp, config } = await addPortal(idp, REDIRECT));
      gateMethod(idp.app.signInState, 'progressNow', checkedGate, 'after');
      // The password step's finish checks the account by id (the step itself reads it by login).
      gateMethod(idp.app.accounts, 'findById', checkedGate, 'after');
      gateMethod(idp.app.totp, 'enrol', enrolGate, 'before');
    });
    after(() => idp.stop());

    async function codesOf(accountId: string): Promise<number> {
      return (await idp.db('oidc_models').where({ model: 'AuthorizationCode', account_id: accountId }).select('id')).length;
    }

    /** The operator's password reset: the new hash and the sign-out in one transaction (changeAndSignOut in src/cli/user-changes.ts). */
    async function resetPassword(userId: string, password: string): Promise<void> {
      const hash = await gated.hasher.hash(password);
      await idp.db.transaction(async (trx) => {
        await trx('users').where('id', userId).update({ password_hash: hash });
        await signOutEverywhere(trx, systemClock, userId);
      });
    }

    /**
     * Posts `username`'s password with the finish held once its check has passed; `meanwhile` runs
     * there; then the finish goes on, and the browser follows where it leads. Answers where it landed.
     */
    async function finishAcross(username: string, password: string, meanwhile: (browser: TestBrowser, form: { action: string; fields: Record<string, string> }) => Promise<void>): Promise<string> {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const form = findForm(page.html, '/login', page.url);
      const checked = checkedGate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, username, password });
      const first = await Promise.race([checked.reached.then(() => 'checked' as const), posting.then(() => 'answered' as const)]);
      assert.equal(first, 'checked', 'the finish answered without checking the account');
      await meanwhile(browser, form);
      checked.release();
      const res = await posting;
      const location = res.headers.get('location');
      return location ? (await browser.follow(new URL(location, form.action).href, (u) => u.startsWith(REDIRECT))).url : form.action;
    }

    test('a password reset after the check: no code', async () => {
      const user = await idp.addUser({ username: 'abel', password: 'abel-old-password-1' });
      const landed = await finishAcross('abel', 'abel-old-password-1', async () => { await resetPassword(user.id, 'abel-new-password-2'); });
      assert.equal(new URL(landed).searchParams.get('code'), null, `landed on ${landed}`);
      assert.equal(await codesOf(user.id), 0);
    });

    test('a password step for the attacker\'s own account in the same interaction, before the reset, hides the sign-in from it: no code either', async () => {
      const user = await idp.addUser({ username: 'bea', password: 'bea-old-password-1' });
      // The attacker's own account; with an authenticator, so its password step only moves the progress on.
      const own = await idp.addUser({ username: 'mallory', password: 'mallory-password-1' });
      await idp.app.totp.enrol(own.id, generateTotpSecret(), timeStepAt(Date.now()) - 2);
      const landed = await finishAcross('bea', 'bea-old-password-1', async (browser, form) => {
        const rebound = await browser.postForm(form.action, { ...form.fields, username: 'mallory', password: 'mallory-password-1' });
        assert.equal(rebound.status, 303);
        await resetPassword(user.id, 'bea-new-password-2');
      });
      assert.equal(new URL(landed).searchParams.get('code'), null, `the old password got a code after the reset: ${landed}`);
      assert.equal(await codesOf(user.id), 0);
    });

    test('PostgreSQL: a password step that finishes while the reset\'s transaction is under way gets no code', { skip: backend.name !== 'postgres' }, async () => {
      const user = await idp.addUser({ username: 'cato', password: 'cato-old-password-1' });
      // Another session of the account, locked by the test: the reset's sign-out waits at it, after
      // it has marked the sign-ins it found and looked for the interactions, before it commits.
      await idp.db('oidc_models').insert({ model: 'Session', id: 'cato-elsewhere', uid: 'cato-elsewhere-uid', payload: JSON.stringify({ accountId: user.id, uid: 'cato-elsewhere-uid' }), account_id: user.id, expires_at: Date.now() + 3_600_000 });
      // The operator's command runs in another process, with its own connections.
      const operator = await openDatabase({ databaseUrl: idp.config.databaseUrl, dataDir: os.tmpdir() });
      const locker = await operator.transaction();
      try {
        await locker('oidc_models').where({ model: 'Session', id: 'cato-elsewhere' }).forUpdate().first('id');
        const browser = new TestBrowser();
        const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
        const form = findForm(page.html, '/login', page.url);
        const verified = gated.gate.hold();
        const posting = browser.postForm(form.action, { ...form.fields, username: 'cato', password: 'cato-old-password-1' });
        await verified.reached; // the old password matched
        const hash = await gated.hasher.hash('cato-new-password-2');
        const resetting = operator.transaction(async (trx) => {
          await trx('users').where('id', user.id).update({ password_hash: hash });
          await signOutEverywhere(trx, systemClock, user.id);
        });
        const lockWaits = async () => ((await idp.db.raw("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock'")) as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0;
        for (let i = 0; (await lockWaits()) === 0; i++) {
          assert.ok(i < 500, 'the reset never reached the locked session');
          await new Promise((r) => setTimeout(r, 10));
        }
        verified.release();
        // The password step goes on: it answers, or (should it wait for the reset) it waits on a lock too.
        let answered = false;
        void posting.then(() => { answered = true; }, () => { answered = true; });
        for (let i = 0; !answered && (await lockWaits()) < 2; i++) {
          assert.ok(i < 500, 'the password step neither answered nor waited');
          await new Promise((r) => setTimeout(r, 10));
        }
        await locker.commit();
        await resetting;
        const res = await posting;
        const location = res.headers.get('location');
        const landed = location ? (await browser.follow(new URL(location, form.action).href, (u) => u.startsWith(REDIRECT))).url : form.action;
        assert.equal(new URL(landed).searchParams.get('code'), null, `the old password got a code after the reset: ${landed}`);
        assert.equal(await codesOf(user.id), 0);
      } finally {
        if (!locker.isCompleted()) await locker.rollback();
        await operator.destroy();
      }
    });

    test('a password reset while an installer sets up the app at a first sign-in leaves no authenticator of the old password\'s holder', async () => {
      const user = await idp.addUser({ username: 'dina', password: 'dina-old-password-1', role: 'installer' });
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const enrolPage = await submit(browser, page.url, page.html, '/login', { username: 'dina', password: 'dina-old-password-1' }, REDIRECT);
      const form = findForm(enrolPage.html, '/enrol', enrolPage.url);
      const held = enrolGate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, code: await totpAt(secretOf(enrolPage.html), timeStepAt(Date.now())) });
      await held.reached; // the code proved the secret shown; the authenticator is about to be stored
      await resetPassword(user.id, 'dina-new-password-2');
      held.release();
      const res = await posting;
      assert.equal(res.status, 409, 'the page says the account changed');
      assert.equal(await idp.app.totp.has(user.id), false, 'no authenticator stays on the account');
      assert.equal(await codesOf(user.id), 0);
    });
  });
}
