// Integration: a resume fired while the last step of a sign-in is still deciding whether it may
// finish gets no code. The finish checked its progress after saving its result, so a browser that
// resumed in between (the same browser, a second tab, a script holding its cookies) was handed a
// code from a result no check had passed, for an account whose password was reset or whose
// authenticator was removed a moment earlier. Each step is held at the finish's check while the
// resume runs, so the order is exact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { signOutEverywhere } from '../provider/account-sign-out.ts';
import { generateTotpSecret, timeStepAt, totpAt } from '../factors/totp.ts';
import { systemClock } from '../security/clock.ts';
import { createGate, gatedHasher, gateMethod } from '../testing/gate.ts';

const REDIRECT = 'http://127.0.0.1:8783/callback';

for (const backend of backends()) {
  describe(`a resume while the sign-in's finish is checked (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    const gated = gatedHasher();
    /** Armed by a test: the next accepted TOTP code waits here. */
    const codeGate = createGate();
    /** Armed by a test: the next finish waits here, before it looks at its stored progress (or, at the password step, the account). */
    const checkGate = createGate();

    before(async () => {
      idp = await startTestIdp({ backend, hasher: gated.hasher });
      ({ rp, config } = await addPortal(idp, REDIRECT));
      gateMethod(idp.app.totp, 'acceptStep', codeGate, 'after');
      gateMethod(idp.app.signInState, 'progressNow', checkGate, 'before');
      // The password step's finish reads the account by id (the step itself reads it by login).
      gateMethod(idp.app.accounts, 'findById', checkGate, 'before');
    });
    after(() => idp.stop());

    async function trail(userId: string): Promise<string[]> {
      return (await idp.app.audit.list({ userId })).reverse().map((e) => (e.event === 'login.refused' ? `${e.event}:${String(e.detail?.['reason'])}` : e.event));
    }

    async function codesOf(accountId: string): Promise<number> {
      return (await idp.db('oidc_models').where({ model: 'AuthorizationCode', account_id: accountId }).select('id')).length;
    }

    /**
     * With the finish of `posting` held at its check: the browser resumes the interaction (what
     * the finish's redirect leads to) unless `resume` is false, then the finish goes on. Answers
     * where the resume landed and where the finish's own answer leads. Fails when the finish
     * answers without having checked its stored progress.
     */
    async function resumeDuringCheck(browser: TestBrowser, posting: Promise<Response>, check: { reached: Promise<void>; release(): void }, action: string, resume = true) {
      const first = await Promise.race([check.reached.then(() => 'checking' as const), posting.then(() => 'answered' as const)]);
      assert.equal(first, 'checking', 'the finish answered without checking its stored progress');
      const uid = new URL(action).pathname.split('/').at(-2) ?? '';
      const resumed = resume ? (await browser.follow(new URL(`/auth/${uid}`, idp.config.issuer).href, (u) => u.startsWith(REDIRECT))).url : undefined;
      check.release();
      const res = await posting;
      const location = res.headers.get('location');
      const finished = location ? (await browser.follow(new URL(location, action).href, (u) => u.startsWith(REDIRECT))).url : action;
      return { resumed: resumed ?? '', finished };
    }

    test('a password reset during the password step: the resume gets no code, nor does the finish', async () => {
      const user = await idp.addUser({ username: 'nora', password: 'old-password-1' });
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const form = findForm(page.html, '/login', page.url);
      const hash = gated.gate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, username: 'nora', password: 'old-password-1' });
      await hash.reached; // the old password matched
      await idp.app.accounts.setPasswordHash(user.id, await gated.hasher.hash('new-password-2'));
      await signOutEverywhere(idp.db, systemClock, user.id);
      const check = checkGate.hold();
      hash.release();
      const landed = await resumeDuringCheck(browser, posting, check, form.action);
      assert.equal(new URL(landed.resumed).searchParams.get('code'), null, `the resume landed on ${landed.resumed}`);
      assert.equal(new URL(landed.finished).searchParams.get('code'), null, `the finish landed on ${landed.finished}`);
      assert.equal(await codesOf(user.id), 0);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'login.refused:password_changed']);
    });

    test('reset-2fa during the TOTP step: the resume gets no code, nor does the finish', async () => {
      const user = await idp.addUser({ username: 'olaf', password: 'installer-password-1', role: 'installer' });
      const secret = generateTotpSecret();
      await idp.app.totp.enrol(user.id, secret, timeStepAt(Date.now()) - 2);
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const totpPage = await submit(browser, page.url, page.html, '/login', { username: 'olaf', password: 'installer-password-1' }, REDIRECT);
      const form = findForm(totpPage.html, '/totp', totpPage.url);
      const code = codeGate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, code: await totpAt(secret, timeStepAt(Date.now())) });
      await code.reached; // the code matched and its step is stored as used
      await idp.app.totp.remove(user.id);
      await signOutEverywhere(idp.db, systemClock, user.id);
      const check = checkGate.hold();
      code.release();
      const landed = await resumeDuringCheck(browser, posting, check, form.action);
      assert.equal(new URL(landed.resumed).searchParams.get('code'), null, `the resume landed on ${landed.resumed}`);
      assert.equal(new URL(landed.finished).searchParams.get('code'), null, `the finish landed on ${landed.finished}`);
      assert.equal(await codesOf(user.id), 0);
      assert.ok((await trail(user.id)).includes('login.refused:signed_out'));
    });

    test('without a change the held finish goes through when nothing resumes early (the test can tell the difference)', async () => {
      const user = await idp.addUser({ username: 'pim', password: 'pim-password-1' });
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const form = findForm(page.html, '/login', page.url);
      const check = checkGate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, username: 'pim', password: 'pim-password-1' });
      const landed = await resumeDuringCheck(browser, posting, check, form.action, false);
      assert.ok(new URL(landed.finished).searchParams.get('code'), `the finish landed on ${landed.finished}`);
      assert.equal(await codesOf(user.id), 1);
      assert.deepEqual(await trail(user.id), ['login.password.success', 'login.success']);
    });

    test('a resume before the result is saved, without a change, gets no code: it asks for a sign-in again', async () => {
      const user = await idp.addUser({ username: 'quin', password: 'quin-password-1' });
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const form = findForm(page.html, '/login', page.url);
      const check = checkGate.hold();
      const posting = browser.postForm(form.action, { ...form.fields, username: 'quin', password: 'quin-password-1' });
      const landed = await resumeDuringCheck(browser, posting, check, form.action);
      assert.match(new URL(landed.resumed).pathname, /^\/interaction\//, `the resume landed on ${landed.resumed}`);
      assert.equal(new URL(landed.finished).searchParams.get('code'), null, `the finish landed on ${landed.finished}`);
      assert.equal(await codesOf(user.id), 0);
    });
  });
}
