// Integration: the self-service account page, signed in through the provider's own flow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm, TestBrowser, alertText, secretOf, recoveryCodesOf } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { accountSignIn, openEnrolment, postAccountForm } from '../testing/account-page.ts';
import { manualClock } from '../security/clock.ts';
import { timeStepAt, totpAt } from '../factors/totp.ts';


for (const backend of backends()) {
  describe(`account page (${backend.name})`, () => {
    let idp: TestIdp;
    const clock = manualClock(Date.now());
    before(async () => {
      idp = await startTestIdp({ backend, clock });
      await idp.addUser({ username: 'cora', password: 'cora-password-1', name: 'Cora <b>Claes</b>' });
      await idp.addUser({ username: 'ingo', password: 'ingo-password-1', role: 'installer' });
    });
    after(() => idp.stop());

    const signIn = (browser: TestBrowser, username: string, password: string, secret?: string) => accountSignIn(browser, idp.url, username, password, secret, clock.now());
    const post = postAccountForm;

    let secret = '';

    test('without a session /account goes through the provider sign-in and back', async () => {
      const browser = new TestBrowser();
      const res = await browser.request(`${idp.url}/account`);
      assert.equal(res.status, 302);
      assert.match(res.headers.get('location') ?? '', /\/auth\?client_id=jullix-account/);
      const page = await signIn(browser, 'cora', 'cora-password-1');
      assert.equal(page.url, `${idp.url}/account`);
      assert.match(page.html, /data-testid="account-username">cora</);
      assert.match(page.html, /Cora &lt;b&gt;Claes&lt;\/b&gt;/);
      assert.match(page.html, /data-testid="enable-2fa"/);
    });

    test('a customer turns 2FA on after confirming the password; the next sign-in asks for the code', async () => {
      const browser = new TestBrowser();
      const overview = await signIn(browser, 'cora', 'cora-password-1');
      const confirm = await post(browser, overview, '/2fa/enable');
      assert.match(confirm.html, /name="password"/);
      const wrong = await post(browser, confirm, '/2fa/enable', { password: 'not-her-password' });
      assert.equal(wrong.status, 401);
      const enrol = await post(browser, wrong, '/2fa/enable', { password: 'cora-password-1' });
      assert.match(enrol.html, /data-testid="totp-qr"/);
      secret = secretOf(enrol.html);
      const codes = await post(browser, enrol, '/2fa/enrol', { code: await totpAt(secret, timeStepAt(clock.now())) });
      assert.equal(recoveryCodesOf(codes.html).length, 10);
      const back = await browser.follow(`${idp.url}/account`);
      assert.match(await back.res.text(), /data-enabled="true"/);

      clock.advance(30_000);
      const fresh = new TestBrowser();
      const login = await fresh.follow(`${idp.url}/account`);
      const form = findForm(await login.res.text(), '/login', login.url);
      const afterPassword = await fresh.postForm(form.action, { ...form.fields, username: 'cora', password: 'cora-password-1' });
      const next = await fresh.follow(new URL(afterPassword.headers.get('location') ?? '', form.action).href);
      assert.match(await next.res.text(), /autocomplete="one-time-code"/);
    });

    test('turning 2FA off needs a fresh confirmation with password and code', async () => {
      clock.advance(60_000);
      const browser = new TestBrowser();
      const overview = await signIn(browser, 'cora', 'cora-password-1', secret);
      clock.advance(6 * 60_000);
      const confirm = await post(browser, overview, '/2fa/disable');
      assert.match(confirm.html, /name="code"/);
      const done = await post(browser, confirm, '/2fa/disable', { password: 'cora-password-1', code: await totpAt(secret, timeStepAt(clock.now())) });
      assert.equal(done.url, `${idp.url}/account?notice=2fa-disabled`);
      assert.match(done.html, /data-enabled="false"/);
    });

    test('an installer cannot turn 2FA off and is told why', async () => {
      const browser = new TestBrowser();
      const first = await browser.follow(`${idp.url}/account`);
      const form = findForm(await first.res.text(), '/login', first.url);
      const res = await browser.postForm(form.action, { ...form.fields, username: 'ingo', password: 'ingo-password-1' });
      const enrol = await browser.follow(new URL(res.headers.get('location') ?? '', form.action).href);
      const enrolHtml = await enrol.res.text();
      const s = secretOf(enrolHtml);
      const codes = await post(browser, { url: enrol.url, html: enrolHtml }, '/enrol', { code: await totpAt(s, timeStepAt(clock.now())) });
      const overview = await post(browser, codes, '/continue');
      assert.match(overview.html, /data-testid="2fa-required"/);
      assert.doesNotMatch(overview.html, /data-testid="disable-2fa"/);
      const csrf = findForm(overview.html, '/recovery-codes', overview.url).fields.csrf ?? '';
      const forced = await browser.postForm(`${idp.url}/account/2fa/disable`, { csrf, password: 'ingo-password-1' });
      assert.equal(forced.status, 403);
      assert.match(alertText(await forced.text()), /verplicht|requires/);
    });

    test('a page asked with the wrong method is a 405 that names the right one (RFC 9110 §15.5.6)', async () => {
      const wrongGet = await fetch(`${idp.url}/account/password`);
      assert.equal(wrongGet.status, 405);
      assert.equal(wrongGet.headers.get('allow'), 'POST');
      const wrongPost = await fetch(`${idp.url}/account`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      assert.equal(wrongPost.status, 405);
      assert.equal(wrongPost.headers.get('allow'), 'GET');
      const missing = await fetch(`${idp.url}/account/no-such-page`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('allow'), null);
    });

    test('a code typed after the enrolment key expired is told so, not dropped on the overview in silence', async () => {
      await idp.addUser({ username: 'tess', password: 'tess-password-1' });
      const browser = new TestBrowser({ 'accept-language': 'en' });
      const overview = await signIn(browser, 'tess', 'tess-password-1');
      const enrol = await openEnrolment(browser, overview, 'tess-password-1');
      const secret = secretOf(enrol.html);
      clock.advance(16 * 60_000); // the pending secret lives 15 minutes
      await browser.follow(`${idp.url}/account`); // the session is in use meanwhile
      const late = await post(browser, enrol, '/2fa/enrol', { code: await totpAt(secret, timeStepAt(clock.now())) });
      assert.equal(late.url, `${idp.url}/account?notice=enrol-expired`);
      assert.match(late.html, /the key has expired and two-step verification is still off/);
      assert.match(late.html, /data-enabled="false"/);
    });

    test('a POST without the CSRF token is refused', async () => {
      const browser = new TestBrowser();
      await signIn(browser, 'cora', 'cora-password-1');
      const res = await browser.postForm(`${idp.url}/account/2fa/enable`, { password: 'cora-password-1' });
      assert.equal(res.status, 403);
    });

    test('changing the password can sign out the other sessions', async () => {
      const other = new TestBrowser();
      await signIn(other, 'cora', 'cora-password-1');
      const browser = new TestBrowser();
      const overview = await signIn(browser, 'cora', 'cora-password-1');
      const short = await post(browser, overview, '/password', { password: 'cora-password-1', new_password: 'short', new_password_repeat: 'short' });
      assert.equal(short.status, 400);
      assert.match(alertText(short.html), /minstens 8|at least 8/);
      const common = await post(browser, overview, '/password', { password: 'cora-password-1', new_password: 'Sunshine1', new_password_repeat: 'Sunshine1' });
      assert.equal(common.status, 400);
      assert.match(alertText(common.html), /veelgebruikte wachtwoorden|commonly used passwords/);
      const changed = await post(browser, overview, '/password', { password: 'cora-password-1', new_password: 'cora-password-2', new_password_repeat: 'cora-password-2', end_other_sessions: 'yes' });
      assert.equal(changed.url, `${idp.url}/account?notice=password-changed-others-ended`);
      assert.match(changed.html, /afgemeld op je andere toestellen/);
      const otherNow = await other.request(`${idp.url}/account`);
      assert.equal(otherNow.status, 302, 'the other browser was signed out');
      const still = await browser.request(`${idp.url}/account`);
      assert.equal(still.status, 200, 'this browser stays signed in');
      const withNew = await signIn(new TestBrowser(), 'cora', 'cora-password-2');
      assert.equal(withNew.url, `${idp.url}/account`);
    });

    test('without their phone a person confirms a change with a recovery code, typed into a text field of its own', async () => {
      await idp.addUser({ username: 'rika', password: 'rika-password-1' });
      const browser = new TestBrowser();
      const overview = await signIn(browser, 'rika', 'rika-password-1');
      const enrol = await openEnrolment(browser, overview, 'rika-password-1');
      const codes = recoveryCodesOf((await post(browser, enrol, '/2fa/enrol', { code: await totpAt(secretOf(enrol.html), timeStepAt(clock.now())) })).html);
      const [first = ''] = codes;
      const withTotp = await browser.follow(`${idp.url}/account`);
      const page = { url: withTotp.url, html: await withTotp.res.text() };
      // The app's code keeps the numeric keypad; the recovery code gets a field that takes letters.
      assert.match(page.html, /<input id="code" name="code"[^>]*inputmode="numeric"/);
      assert.match(page.html, /<input id="recovery_code" name="recovery_code"[^>]*inputmode="text"/);
      // Something left in the app's field (autofill, a half-typed code) does not hide the recovery code.
      const changed = await post(browser, page, '/password', { password: 'rika-password-1', code: '12', recovery_code: first, new_password: 'rika-password-2', new_password_repeat: 'rika-password-2' });
      assert.equal(changed.url, `${idp.url}/account?notice=password-changed`);
      const again = await post(browser, changed, '/password', { password: 'rika-password-2', code: '', recovery_code: first, new_password: 'rika-password-3', new_password_repeat: 'rika-password-3' });
      assert.equal(again.status, 401, 'a recovery code works once');
    });

    test('strangers guessing the password do not block the person\'s own password change (their browser has its own budget)', async () => {
      await idp.addUser({ username: 'pim', password: 'pim-password-1' });
      const browser = new TestBrowser();
      const overview = await signIn(browser, 'pim', 'pim-password-1');
      // The test browser sends every cookie everywhere; a real one only under the cookie's Path, so
      // the device cookie must cover /account too.
      const device = browser.receivedSetCookies.find((l) => l.startsWith('jullix_device='));
      assert.match(device ?? '', /;\s*path=\/(;|$)/i, `device cookie: ${device}`);
      for (let i = 0; i < 6; i++) {
        const stranger = new TestBrowser();
        const first = await stranger.follow(`${idp.url}/account`);
        const form = findForm(await first.res.text(), '/login', first.url);
        const res = await stranger.postForm(form.action, { ...form.fields, username: 'pim', password: `guess-${i}` });
        assert.ok([401, 429].includes(res.status), `guess ${i}: ${res.status}`);
      }
      const changed = await post(browser, overview, '/password', { password: 'pim-password-1', new_password: 'pim-password-2', new_password_repeat: 'pim-password-2' });
      assert.equal(changed.url, `${idp.url}/account?notice=password-changed`);
    });
  });
}
