// Integration: forced enrolment, TOTP verification, replay, recovery codes and throttling through
// the real pages, with an injected clock so TOTP time steps are under the test's control.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TestBrowser, alertText, secretOf, csrfOf, recoveryCodesOf } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { manualClock } from '../security/clock.ts';
import { timeStepAt, totpAt } from '../factors/totp.ts';
import type * as oidc from 'openid-client';

const REDIRECT = 'http://127.0.0.1:8766/callback';

for (const backend of backends()) {
  describe(`second factor (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    const clock = manualClock(Date.now());
    const code = async (secret: string) => totpAt(secret, timeStepAt(clock.now()));
    let secret = '';
    let recovery: string[] = [];

    before(async () => {
      idp = await startTestIdp({ backend, clock });
      await idp.addUser({ username: 'ivan', password: 'installer-password-1', role: 'installer' });
      await idp.addUser({ username: 'tess', password: 'throttle-password-1' });
      ({ rp, config } = await addPortal(idp, REDIRECT));
    });
    after(() => idp.stop());

    async function passwordStep(browser: TestBrowser, username: string, password: string) {
      const started = await startSignIn(config, rp);
      const page = await openSignInPage(browser, started, REDIRECT);
      return { started, ...(await submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT)) };
    }

    test('an installer is made to enrol and cannot get around it', async () => {
      const browser = new TestBrowser();
      const first = await passwordStep(browser, 'ivan', 'installer-password-1');
      assert.match(first.html, /data-testid="totp-qr"/);
      assert.match(first.html, /Google Authenticator/);
      secret = secretOf(first.html);
      assert.equal(secret.length, 32);
      // Reloading keeps the same pending secret.
      const reload = await browser.follow(first.url);
      assert.equal(secretOf(await reload.res.text()), secret);
      // Skipping ahead: "continue" and the TOTP step both send the browser back to enrolment.
      for (const action of ['continue', 'totp']) {
        const res = await browser.postForm(`${first.url}/${action}`, { csrf: csrfOf(first.html), code: '123456' });
        assert.equal(res.status, 303);
        assert.equal(new URL(res.headers.get('location') ?? '', first.url).href, first.url);
      }
      // Restarting the flow asks for the password and then enrolment again: no token.
      const again = await passwordStep(new TestBrowser(), 'ivan', 'installer-password-1');
      assert.match(again.html, /data-testid="totp-qr"/);
      assert.ok(!again.url.startsWith(REDIRECT));
      // A wrong code keeps the same secret and says so.
      const wrong = await submit(browser, first.url, first.html, '/enrol', { code: '000000' === (await code(secret)) ? '111111' : '000000' }, REDIRECT);
      assert.equal(wrong.status, 401);
      assert.match(alertText(wrong.html), /niet juist|not correct/);
      assert.equal(secretOf(wrong.html), secret);
      const codes = await submit(browser, wrong.url, wrong.html, '/enrol', { code: await code(secret) }, REDIRECT);
      recovery = recoveryCodesOf(codes.html);
      assert.equal(recovery.length, 10);
      const done = await submit(browser, codes.url, codes.html, '/continue', {}, REDIRECT);
      const claims = (await redeem(config, done.url, first.started)).claims();
      assert.equal(claims?.acr, 'aal2');
      assert.deepEqual(claims?.amr, ['pwd', 'otp', 'mfa']);
    });

    test('the logs hold neither the secret, nor codes, nor the password', () => {
      const all = idp.logs.join('\n');
      assert.ok(idp.logs.length > 5, 'the IdP logged something');
      for (const s of [secret, 'installer-password-1', ...recovery]) assert.ok(!all.includes(s), `log leaks ${s.slice(0, 3)}…`);
    });

    test('the TOTP secret is not stored in clear', async () => {
      if (backend.name !== 'sqlite') return;
      const file = path.join(idp.dataDir, 'jullix-idp.sqlite');
      for (const f of [file, `${file}-wal`]) {
        if (!existsSync(f)) continue;
        const bytes = await readFile(f);
        assert.ok(!bytes.includes(Buffer.from(secret)), `secret found in ${f}`);
        assert.ok(!bytes.toString('latin1').toLowerCase().includes(secret.toLowerCase()));
      }
    });

    test('the next sign-in asks for the code; a used code and a wrong code are refused', async () => {
      clock.advance(30_000);
      const browser = new TestBrowser();
      const step = await passwordStep(browser, 'ivan', 'installer-password-1');
      assert.match(step.html, /autocomplete="one-time-code"/);
      const current = await code(secret);
      const uid = /\/interaction\/([^/]+)/.exec(step.url)?.[1] ?? '';
      assert.equal((await idp.db('interaction_state').where({ uid })).length, 1, 'the password step left its progress');
      const ok = await submit(browser, step.url, step.html, '/totp', { code: current }, REDIRECT);
      assert.deepEqual((await redeem(config, ok.url, step.started)).claims()?.amr, ['pwd', 'otp', 'mfa']);
      // The finished sign-in's progress is deleted (after the response, so allow it a moment).
      for (let tries = 0; tries < 100 && (await idp.db('interaction_state').where({ uid })).length > 0; tries++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await idp.db('interaction_state').where({ uid })).length, 0, 'no sign-in state left behind');

      const other = new TestBrowser();
      const second = await passwordStep(other, 'ivan', 'installer-password-1');
      const reused = await submit(other, second.url, second.html, '/totp', { code: current }, REDIRECT);
      assert.equal(reused.status, 401);
      assert.match(alertText(reused.html), /al gebruikt|already used/);
      const wrong = await submit(other, reused.url, reused.html, '/totp', { code: current === '999999' ? '999998' : '999999' }, REDIRECT);
      assert.equal(wrong.status, 401);
      assert.match(alertText(wrong.html), /niet juist|not correct/);
    });

    test('a code from three steps ago is refused, with a hint that the phone clock is off; one from ahead without', async () => {
      clock.advance(30_000);
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const step = await passwordStep(browser, 'ivan', 'installer-password-1');
      const old = await totpAt(secret, timeStepAt(clock.now()) - 3);
      const res = await submit(browser, step.url, step.html, '/totp', { code: old }, REDIRECT);
      assert.equal(res.status, 401);
      assert.match(alertText(res.html), /clock of your device is probably off/);
      assert.ok(!res.url.startsWith(REDIRECT));
      // A code from three steps ahead gets the plain answer: a guess must not learn it is a code to come.
      const ahead = await totpAt(secret, timeStepAt(clock.now()) + 3);
      const early = await submit(browser, res.url, res.html, '/totp', { code: ahead }, REDIRECT);
      assert.equal(early.status, 401);
      assert.match(alertText(early.html), /^That code is not correct\. Check the code in your app/);
    });

    test('one code submitted twice at the same moment is accepted once', async () => {
      clock.advance(30_000);
      const a = new TestBrowser();
      const b = new TestBrowser();
      const [sa, sb] = await Promise.all([passwordStep(a, 'ivan', 'installer-password-1'), passwordStep(b, 'ivan', 'installer-password-1')]);
      const current = await code(secret);
      const results = await Promise.all([
        submit(a, sa.url, sa.html, '/totp', { code: current }, REDIRECT),
        submit(b, sb.url, sb.html, '/totp', { code: current }, REDIRECT),
      ]);
      assert.equal(results.filter((r) => r.url.startsWith(REDIRECT)).length, 1);
      assert.equal(results.filter((r) => r.status === 401).length, 1);
    });

    test('a recovery code works once, says how many remain, and gives amr pwd+mfa', async () => {
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const step = await passwordStep(browser, 'ivan', 'installer-password-1');
      const notice = await submit(browser, step.url, step.html, '/totp', { code: recovery[3]!.toUpperCase() }, REDIRECT);
      assert.match(notice.html, /9 remain/);
      const done = await submit(browser, notice.url, notice.html, '/continue', {}, REDIRECT);
      const claims = (await redeem(config, done.url, step.started)).claims();
      assert.deepEqual(claims?.amr, ['pwd', 'mfa']);
      assert.equal(claims?.acr, 'aal2');
      const other = new TestBrowser();
      const again = await passwordStep(other, 'ivan', 'installer-password-1');
      const refused = await submit(other, again.url, again.html, '/totp', { code: recovery[3]! }, REDIRECT);
      assert.equal(refused.status, 401);
      assert.match(alertText(refused.html), /niet juist|not correct/);
    });

    test('after four failures the next attempts are throttled with 429, even with the right password', async () => {
      for (let i = 0; i < 5; i++) {
        const res = await passwordStep(new TestBrowser(), 'tess', `wrong-${i}-password`);
        assert.equal(res.status, 401);
      }
      const blocked = await passwordStep(new TestBrowser(), 'tess', 'throttle-password-1');
      assert.equal(blocked.status, 429);
      assert.match(alertText(blocked.html), /Probeer het opnieuw over \d+ seconden/);
      // An unknown name behaves the same, so throttling tells nothing about which accounts exist.
      for (let i = 0; i < 5; i++) await passwordStep(new TestBrowser(), 'no-such-user', `wrong-${i}-password`);
      assert.equal((await passwordStep(new TestBrowser(), 'no-such-user', 'x-password')).status, 429);
      clock.advance(2_000);
      const ok = await passwordStep(new TestBrowser(), 'tess', 'throttle-password-1');
      assert.ok(ok.url.startsWith(REDIRECT), `expected a sign-in after the delay, got ${ok.status}`);
    });
  });
}
