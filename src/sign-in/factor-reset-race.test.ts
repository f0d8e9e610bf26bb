// Integration: a TOTP step whose code was checked while an operator's reset-2fa (or the account
// page's "sign out everywhere else") signed the account out gets no code: the password did not
// change, so the password re-check alone let it finish at aal2 with the factor just removed. The
// step is held open after its code was accepted, the change commits, then the step goes on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { runCli } from '../cli/test-support.ts';
import { signOutEverywhere } from '../provider/account-sign-out.ts';
import { generateTotpSecret, timeStepAt, totpAt } from '../factors/totp.ts';
import { systemClock } from '../security/clock.ts';
import { createGate, gateMethod } from '../testing/gate.ts';

const REDIRECT = 'http://127.0.0.1:8776/callback';

for (const backend of backends()) {
  describe(`a TOTP step during a sign-out of the account (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    /** Armed by a test: the next accepted code waits here before its step goes on. */
    const gate = createGate();

    before(async () => {
      idp = await startTestIdp({ backend });
      ({ rp, config } = await addPortal(idp, REDIRECT));
      // The store the TOTP step uses (the app hands the same object to the pages): the code is
      // checked and its step stored as used, then the step is held.
      gateMethod(idp.app.totp, 'acceptStep', gate, 'after');
    });
    after(() => idp.stop());

    /** Armed by a test: the next finish's look at its stored progress waits here. */
    const progressGate = createGate();
    before(() => { gateMethod(idp.app.signInState, 'progressNow', progressGate, 'before'); });

    /** The operator's command, run as a separate process against this IdP's database. */
    const cli = (args: string[]) => runCli(idp.dataDir, args, idp.config.databaseUrl ? { env: { DATABASE_URL: idp.config.databaseUrl } } : {});

    /** The account's audit events, oldest first, with the reason of any refusal. */
    async function trail(userId: string): Promise<string[]> {
      return (await idp.app.audit.list({ userId })).reverse().map((e) => (e.event === 'login.refused' ? `${e.event}:${String(e.detail?.['reason'])}` : e.event));
    }

    /** Signs in with the password, then posts a right code with its step held; answers where the browser lands once it is released after `change`. */
    async function totpAcross(username: string, password: string, secret: string, change: () => Promise<void>): Promise<string> {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const totpPage = await submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT);
      const form = findForm(totpPage.html, '/totp', totpPage.url);
      const { reached, release } = gate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, code: await totpAt(secret, timeStepAt(Date.now())) });
      await reached; // the code matched and its step is stored as used
      await change();
      release();
      const res = await posting;
      const landed = await browser.follow(new URL(res.headers.get('location') ?? form.action, form.action).href, (u) => u.startsWith(REDIRECT));
      return landed.url;
    }

    async function userWithTotp(username: string, password: string): Promise<{ id: string; secret: string }> {
      const user = await idp.addUser({ username, password, role: 'installer' });
      const secret = generateTotpSecret();
      await idp.app.totp.enrol(user.id, secret, timeStepAt(Date.now()) - 2);
      return { id: user.id, secret };
    }

    test('reset-2fa while the code is checked: no code from the removed authenticator', async () => {
      const user = await userWithTotp('vera', 'installer-password-1');
      const landed = await totpAcross('vera', 'installer-password-1', user.secret, async () => {
        const reset = await cli(['user', 'reset-2fa', 'vera']);
        assert.equal(reset.code, 0, reset.stderr);
      });
      assert.equal(new URL(landed).searchParams.get('code'), null, `landed on ${landed}`);
      const events = await trail(user.id);
      assert.ok(events.includes('login.refused:signed_out'), events.join(' '));
      assert.ok(!events.includes('login.success'), events.join(' '));
    });

    test('the account page\'s "sign out everywhere else" while the code is checked: no code either', async () => {
      const user = await userWithTotp('wim', 'installer-password-2');
      // The owner's own session, elsewhere, is the one kept.
      const landed = await totpAcross('wim', 'installer-password-2', user.secret, async () => {
        await signOutEverywhere(idp.db, systemClock, user.id, { id: 'the-owners-session', uid: 'the-owners-session-uid' });
      });
      assert.equal(new URL(landed).searchParams.get('code'), null, `landed on ${landed}`);
      assert.ok((await trail(user.id)).includes('login.refused:signed_out'));
    });

    /** Armed by a test: the next finish waits here once its check has passed, before its result is saved. */
    const checkedGate = createGate();
    before(() => { gateMethod(idp.app.signInState, 'progressNow', checkedGate, 'after'); });

    test('a sign-out after the TOTP step\'s check, before its save: the page says the account changed, and the audit log keeps the code and the refusal', async () => {
      const user = await userWithTotp('zeno', 'installer-password-5');
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const totpPage = await submit(browser, page.url, page.html, '/login', { username: 'zeno', password: 'installer-password-5' }, REDIRECT);
      const form = findForm(totpPage.html, '/totp', totpPage.url);
      const { reached, release } = checkedGate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, code: await totpAt(user.secret, timeStepAt(Date.now())) });
      await reached; // the finish's check passed; its result is not saved yet
      // The sign-out marks this sign-in's progress and ends its interaction, and moves the count on.
      await signOutEverywhere(idp.db, systemClock, user.id);
      release();
      const res = await posting;
      assert.equal(res.status, 409, 'the page that says the account changed, not one that says the sign-in expired');
      assert.equal(await idp.db('oidc_models').where({ model: 'AuthorizationCode', account_id: user.id }).first('id'), undefined);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'totp.success', 'login.refused:signed_out'], 'the code that passed and the refusal are on record');
    });

    test('a double-submitted "Continue" is no sign-out: both finish, the sign-in gets its code, nothing is refused', async () => {
      const user = await userWithTotp('yara', 'installer-password-4');
      const [code] = await idp.app.recoveryCodes.regenerate(user.id);
      assert.ok(code);
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const totpPage = await submit(browser, page.url, page.html, '/login', { username: 'yara', password: 'installer-password-4' }, REDIRECT);
      const notice = await submit(browser, totpPage.url, totpPage.html, '/totp', { code }, REDIRECT);
      const form = findForm(notice.html, '/continue', notice.url);
      const uid = new URL(form.action).pathname.split('/').at(-2) ?? '';
      const { reached, release } = progressGate.hold();
      // The first click is held at its finish; the second finishes, and its progress is deleted after its answer.
      const first = browser.postForm(form.action, form.fields);
      await reached;
      const second = await browser.postForm(form.action, form.fields);
      assert.equal(second.status, 303);
      for (let i = 0; i < 200 && await idp.db('interaction_state').where({ uid }).first(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await idp.db('interaction_state').where({ uid }).first(), undefined, 'the finished sign-in\'s progress was removed');
      release();
      assert.equal((await first).status, 303);
      const landed = await browser.follow(new URL(second.headers.get('location') ?? form.action, form.action).href, (u) => u.startsWith(REDIRECT));
      assert.ok(new URL(landed.url).searchParams.get('code'), `landed on ${landed.url}`);
      const events = await trail(user.id);
      assert.ok(!events.some((e) => e.startsWith('login.refused')), events.join(' '));
    });

    test('progress an older instance stored (no sign-out count: a rolling upgrade) still finishes its TOTP step', async () => {
      const user = await userWithTotp('ivo', 'installer-password-6');
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const totpPage = await submit(browser, page.url, page.html, '/login', { username: 'ivo', password: 'installer-password-6' }, REDIRECT);
      // As an instance from before the sign-out count writes it.
      assert.equal(await idp.db('interaction_state').where({ account_id: user.id }).update({ sign_out_epoch: null }), 1);
      const landed = await submit(browser, totpPage.url, totpPage.html, '/totp', { code: await totpAt(user.secret, timeStepAt(Date.now())) }, REDIRECT);
      assert.ok(new URL(landed.url).searchParams.get('code'), `landed on ${landed.url}`);
      assert.ok((await trail(user.id)).includes('login.success'));
    });

    test('without a change the held step goes through (the test can tell the difference)', async () => {
      const user = await userWithTotp('xan', 'installer-password-3');
      const landed = await totpAcross('xan', 'installer-password-3', user.secret, async () => undefined);
      assert.ok(new URL(landed).searchParams.get('code'), `landed on ${landed}`);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'totp.success', 'login.success']);
    });
  });
}
