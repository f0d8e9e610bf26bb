// Attacks on the second factor: an installer trying to get a code without enrolling (skipping the
// step, replaying an earlier interaction's POST on a new one, going back and forward, resuming
// /auth/<uid> early), and several submissions of one TOTP code, recovery code or enrolment at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { manualClock } from '../security/clock.ts';
import { generateTotpSecret, timeStepAt } from '../factors/totp.ts';
import { addTestClients, authRequest, codeFor, csrfOf, isCallback, newBrowser, open, passwordStep, PUBLIC_CLIENT, recoveryCodesOf, secretOf, submit, type Page } from './flows.ts';

const INSTALLER_PASSWORD = 'installer-password-long';

/** POSTs a form to `url` and follows redirects (stopping at the callback). */
function post(browser: TestBrowser, url: string, fields: Record<string, string>): Promise<Page> {
  return open(browser, url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

async function credentialsOf(idp: TestIdp, username: string): Promise<number> {
  const user = await idp.app.accounts.findByLogin(username);
  const rows = await idp.db('totp_credentials').where('user_id', user?.id ?? '').count<Array<{ n: number | string }>>({ n: '*' });
  return Number(rows[0]?.n ?? 0);
}

const gotCode = (page: Page) => isCallback(page.url) && new URL(page.url).searchParams.get('code') !== null;
const interactionUrl = (page: Page) => /^(.*\/interaction\/[^/?]+)/.exec(page.url)?.[1] ?? '';

for (const backend of backends()) {
  describe(`second-factor attacks (${backend.name})`, () => {
    let idp: TestIdp;
    const clock = manualClock(Date.now());

    before(async () => {
      idp = await startTestIdp({ backend, clock });
      await addTestClients(idp);
      await idp.addUser({ username: 'ian', password: INSTALLER_PASSWORD, role: 'installer' });
      await idp.addUser({ username: 'ines', password: INSTALLER_PASSWORD, role: 'installer' });
      const tara = await idp.addUser({ username: 'tara', password: 'tara-password-long' });
      await idp.app.totp.enrol(tara.id, taraSecret, timeStepAt(clock.now()) - 2);
      taraRecovery = await idp.app.recoveryCodes.regenerate(tara.id);
    });
    after(() => idp.stop());
    const taraSecret = generateTotpSecret();
    let taraRecovery: string[] = [];

    test('an installer cannot skip enrolment: no code until it is done', async () => {
      const browser = newBrowser();
      const seen: Page[] = [];
      const track = (p: Page) => { seen.push(p); return p; };
      const a = track((await passwordStep(browser, idp, PUBLIC_CLIENT, 'ian', INSTALLER_PASSWORD)).page);
      const urlA = interactionUrl(a);
      const csrfA = csrfOf(a.html);
      assert.match(a.html, /data-testid="totp-qr"/, 'the password leads to enrolment');

      // Skip the step: every other POST of this interaction, with a valid form token.
      for (const step of ['continue', 'totp', 'consent', 'login']) {
        const res = track(await post(browser, `${urlA}/${step}`, { csrf: csrfA, code: '123456', username: 'ian', password: INSTALLER_PASSWORD }));
        assert.ok(!gotCode(res), `POST ${step} gave a code`);
      }
      // Go back and forward: the page again, the password form re-sent, a wrong code.
      assert.match(track(await open(browser, urlA)).html, /data-testid="totp-qr"/);
      track(await post(browser, `${urlA}/enrol`, { csrf: csrfA, code: '000000' }));
      // Resume early at /auth/<uid>: the provider starts a new sign-in, it does not finish this one.
      const resumed = track(await open(browser, `${idp.url}/auth/${urlA.split('/').pop() ?? ''}`));
      assert.ok(!gotCode(resumed));

      // Replay interaction A's POSTs on a new interaction B (its own cookie and token).
      const b = track(await open(browser, authRequest(idp, PUBLIC_CLIENT).url));
      const urlB = interactionUrl(b);
      assert.notEqual(urlB, urlA);
      for (const step of ['continue', 'enrol', 'totp']) {
        const forged = await browser.postForm(`${urlB}/${step}`, { csrf: csrfA, code: '123456' });
        assert.equal(forged.status, 403, `A's token accepted by B's ${step}`);
        const own = track(await post(browser, `${urlB}/${step}`, { csrf: csrfOf(b.html), code: '123456' }));
        assert.ok(!gotCode(own));
      }
      const stale = track(await post(browser, `${urlA}/continue`, { csrf: csrfA }));
      assert.ok(!gotCode(stale));

      // The account page signs in through the same pages: enrolment is asked there too.
      const account = track(await open(newBrowser(), `${idp.url}/account`));
      assert.ok(!gotCode(account));
      assert.ok(seen.every((p) => !gotCode(p)), 'no code before enrolment');

      // Done properly, enrolment is the way through, and the code says so.
      const fresh = newBrowser();
      const enrol = (await passwordStep(fresh, idp, PUBLIC_CLIENT, 'ian', INSTALLER_PASSWORD)).page;
      const codes = await submit(fresh, enrol, '/enrol', { code: await codeFor(secretOf(enrol.html), clock.now()) });
      assert.equal(recoveryCodesOf(codes.html).length, 10);
      // Back and forward after enrolling: the page offers "continue", and replaying the enrol POST changes nothing.
      const again = await post(fresh, `${interactionUrl(codes)}/enrol`, { csrf: csrfOf(codes.html), code: await codeFor(secretOf(enrol.html), clock.now()) });
      assert.ok(!gotCode(again));
      const done = await post(fresh, `${interactionUrl(codes)}/continue`, { csrf: csrfOf(codes.html) });
      assert.ok(gotCode(done), `enrolled: ${done.status} ${done.url}`);
      const replayed = await post(fresh, `${interactionUrl(codes)}/continue`, { csrf: csrfOf(codes.html) });
      assert.ok(!gotCode(replayed), 'a finished interaction cannot be finished again');
      assert.equal(await credentialsOf(idp, 'ian'), 1);
    });

    test('one TOTP code submitted five times at once is accepted once', async () => {
      await idp.db('throttle').delete();
      clock.advance(30_000);
      const browsers = Array.from({ length: 5 }, () => newBrowser());
      const pages = [];
      for (const b of browsers) pages.push((await passwordStep(b, idp, PUBLIC_CLIENT, 'tara', 'tara-password-long')).page);
      const code = await codeFor(taraSecret, clock.now());
      const results = await Promise.all(pages.map((p, i) => submit(browsers[i]!, p, '/totp', { code })));
      assert.equal(results.filter(gotCode).length, 1, results.map((r) => r.status).join(' '));
      assert.ok(results.every((r) => r.status < 500));

      // The same recovery code, four times at once: one sign-in.
      await idp.db('throttle').delete();
      const losers = results.map((r, i) => ({ r, b: browsers[i]! })).filter(({ r }) => !gotCode(r));
      const recovery = await Promise.all(losers.map(({ r, b }) => submit(b, r, '/totp', { code: taraRecovery[0] ?? '' })));
      // Accepted: the "continue" page with how many codes remain; refused: the code page again (401).
      assert.equal(recovery.filter((r) => r.status === 200 && r.html.includes('/continue"')).length, 1, recovery.map((r) => r.status).join(' '));
      assert.equal(await idp.app.recoveryCodes.remaining((await idp.app.accounts.findByLogin('tara'))?.id ?? ''), 9);
    });

    test('an enrolment submitted four times at once, or from two sign-ins, makes one credential', async () => {
      await idp.db('throttle').delete();
      const one = newBrowser();
      const enrol = (await passwordStep(one, idp, PUBLIC_CLIENT, 'ines', INSTALLER_PASSWORD)).page;
      const two = newBrowser();
      const other = (await passwordStep(two, idp, PUBLIC_CLIENT, 'ines', INSTALLER_PASSWORD)).page;
      const code = await codeFor(secretOf(enrol.html), clock.now());
      const otherCode = await codeFor(secretOf(other.html), clock.now());
      const results = await Promise.all([
        ...Array.from({ length: 4 }, () => submit(one, enrol, '/enrol', { code })),
        submit(two, other, '/enrol', { code: otherCode }),
      ]);
      assert.ok(results.every((r) => r.status < 500), results.map((r) => r.status).join(' '));
      assert.equal(results.filter((r) => recoveryCodesOf(r.html).length === 10).length, 1, 'recovery codes shown once');
      assert.equal(await credentialsOf(idp, 'ines'), 1);
    });
  });
}
