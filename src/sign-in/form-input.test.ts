// Integration: a submitted value over its limit is refused whole (400, before any lookup or hash),
// never cut to one that signs in; a code of the wrong shape gets its own 400 message on the TOTP
// and enrolment steps and is not counted by the throttle.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { alertText, type TestBrowser } from '../testing/browser.ts';
import { manualClock } from '../security/clock.ts';
import { generateTotpSecret, timeStepAt } from '../factors/totp.ts';
import { PASSWORD_MAX_LENGTH } from '../factors/password.ts';
import { addTestClients, codeFor, isCallback, newBrowser, passwordStep, PUBLIC_CLIENT, secretOf, submit, type Page } from '../adversarial/flows.ts';

/** The longest password the CLI sets (1026 characters are refused there). */
const LONG_PASSWORD = 'Lp-'.padEnd(PASSWORD_MAX_LENGTH, 'x');
const MALFORMED = ['', '12345', '1234567', 'abc123'];
/** More than the throttle's free failures (4), so a counted typo would make the right code a 429. */
const ENOUGH_TO_THROTTLE = 6;

const throttleRows = async (idp: TestIdp) => Number((await idp.db('throttle').count<Array<{ n: number | string }>>({ n: '*' }))[0]?.n ?? 0);

for (const backend of backends()) {
  describe(`form input limits and code shapes (${backend.name})`, () => {
    let idp: TestIdp;
    const clock = manualClock(Date.now());
    const tinaSecret = generateTotpSecret();
    let tinaRecovery: string[] = [];

    before(async () => {
      idp = await startTestIdp({ backend, clock });
      await addTestClients(idp);
      await idp.addUser({ username: 'c2', password: LONG_PASSWORD });
      await idp.addUser({ username: 'ivan', password: 'installer-password-1', role: 'installer' });
      const tina = await idp.addUser({ username: 'tina', password: 'tina-password-long' });
      await idp.app.totp.enrol(tina.id, tinaSecret, timeStepAt(clock.now()) - 2);
      tinaRecovery = await idp.app.recoveryCodes.regenerate(tina.id);
    });
    after(() => idp.stop());

    const signIn = (username: string, password: string) => passwordStep(newBrowser(), idp, PUBLIC_CLIENT, username, password);

    test('a 1024-character password signs in; it with anything after it is a 400, never a sign-in', async () => {
      assert.ok(isCallback((await signIn('c2', LONG_PASSWORD)).page.url), 'the stored password itself signs in');
      await idp.db('throttle').delete();
      for (const extra of ['anything-else-at-all', 'j'.repeat(9000)]) {
        const { page } = await signIn('c2', LONG_PASSWORD + extra);
        assert.ok(!isCallback(page.url), `signed in with ${extra.length} characters more`);
        assert.equal(page.status, 400);
        assert.match(alertText(page.html), /too long: .* a password at most 1024/);
      }
      assert.equal(await throttleRows(idp), 0, 'refused before the throttle (which needs the account) was even asked');
    });

    test('a username over 320 characters is refused, not cut and trimmed to another account', async () => {
      const padded = `c2${' '.repeat(318)}SOMEONE-ELSE`;
      const answers: string[] = [];
      for (const username of [padded, 'c'.repeat(10_000), 'n'.repeat(10_000)]) {
        const { page } = await signIn(username, LONG_PASSWORD);
        assert.ok(!isCallback(page.url), `signed in as ${username.slice(0, 8)}…`);
        assert.equal(page.status, 400);
        answers.push(alertText(page.html));
      }
      assert.match(answers[0]!, /too long: a username or email address has at most 320 characters/);
      assert.equal(new Set(answers).size, 1, 'the same answer whichever account the name starts like');
      assert.equal(await throttleRows(idp), 0);
    });

    /** Tina's TOTP page after her password, and the browser holding that sign-in. */
    async function totpStep(): Promise<{ browser: TestBrowser; page: Page }> {
      const browser = newBrowser();
      const { page } = await passwordStep(browser, idp, PUBLIC_CLIENT, 'tina', 'tina-password-long');
      assert.match(page.html, /autocomplete="one-time-code"/);
      return { browser, page };
    }

    test('TOTP step: a malformed code is a 400 asking for the 6 digits, not counted; the right code then signs in', async () => {
      clock.advance(30_000);
      const step = await totpStep();
      let page = step.page;
      for (let i = 0; i < ENOUGH_TO_THROTTLE; i++) {
        for (const bad of MALFORMED) {
          page = await submit(step.browser, page, '/totp', { code: bad });
          assert.equal(page.status, 400, JSON.stringify(bad));
          assert.match(alertText(page.html), /^Enter the 6 digits from your app, or one of your recovery codes\.$/);
        }
      }
      const code = await codeFor(tinaSecret, clock.now());
      const done = await submit(step.browser, page, '/totp', { code: ` ${code.slice(0, 3)} ${code.slice(3)} ` });
      assert.ok(isCallback(done.url), `the right code after the typos answered ${done.status}`);
    });

    test('TOTP step: "123-456" is a code; a recovery code works, not when cut out of a longer value', async () => {
      clock.advance(30_000);
      const code = await codeFor(tinaSecret, clock.now());
      const dashed = await totpStep();
      assert.ok(isCallback((await submit(dashed.browser, dashed.page, '/totp', { code: `${code.slice(0, 3)}-${code.slice(3)}` })).url));
      const { browser, page } = await totpStep();
      const padded = await submit(browser, page, '/totp', { code: `${tinaRecovery[0]!}${' '.repeat(53)}junk` });
      assert.equal(padded.status, 400);
      assert.match(alertText(padded.html), /Enter the 6 digits/);
      const used = await submit(browser, padded, '/totp', { code: tinaRecovery[0]! });
      assert.match(used.html, /You used a recovery code\. 9 remain\./);
    });

    test('enrolment: a malformed code is a 400 with the same secret, not counted; the right code then enrols', async () => {
      const browser = newBrowser();
      const { page: first } = await passwordStep(browser, idp, PUBLIC_CLIENT, 'ivan', 'installer-password-1');
      const secret = secretOf(first.html);
      assert.equal(secret.length, 32);
      let page = first;
      for (let i = 0; i < ENOUGH_TO_THROTTLE; i++) {
        for (const bad of MALFORMED) {
          page = await submit(browser, page, '/enrol', { code: bad });
          assert.equal(page.status, 400, JSON.stringify(bad));
          assert.match(alertText(page.html), /^Enter the 6 digits from your app\.$/);
          assert.equal(secretOf(page.html), secret);
        }
      }
      const done = await submit(browser, page, '/enrol', { code: await codeFor(secret, clock.now()) });
      assert.equal(done.status, 200, `the right code after the typos answered ${done.status}`);
      assert.match(done.html, /data-testid="recovery-codes"/);
    });
  });
}
