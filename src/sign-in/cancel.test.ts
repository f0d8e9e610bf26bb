// Integration: "Cancel" on the TOTP and enrolment steps sends the person back to the app with
// access_denied: a way out for someone without their phone, never a way past the step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { generateTotpSecret, timeStepAt } from '../factors/totp.ts';
import type * as oidc from 'openid-client';

const REDIRECT = 'http://127.0.0.1:8771/callback';

for (const backend of backends()) {
  describe(`cancel on the second-factor steps (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;
    before(async () => {
      idp = await startTestIdp({ backend });
      await idp.addUser({ username: 'ivo', password: 'installer-password-1', role: 'installer' });
      const tess = await idp.addUser({ username: 'tess', password: 'installer-password-2', role: 'installer' });
      await idp.app.totp.enrol(tess.id, generateTotpSecret(), timeStepAt(Date.now()) - 1);
      ({ rp, config } = await addPortal(idp, REDIRECT));
    });
    after(() => idp.stop());

    /** Password step, then "Cancel" on the page it leads to; returns that page and where Cancel went. */
    async function cancelAfterPassword(username: string, password: string) {
      const browser = new TestBrowser();
      const started = await startSignIn(config, rp, { state: `st-${username}` });
      const page = await openSignInPage(browser, started, REDIRECT);
      const step = await submit(browser, page.url, page.html, '/login', { username, password }, REDIRECT);
      assert.ok(!step.url.startsWith(REDIRECT), 'the password alone gives no code');
      const cancel = findForm(step.html, '/abort', step.url);
      const res = await browser.postForm(cancel.action, cancel.fields);
      const landed = await browser.follow(new URL(res.headers.get('location') ?? '', cancel.action).href, (u) => u.startsWith(REDIRECT));
      return { step, callback: new URL(landed.url) };
    }

    for (const [name, username, password, marker] of [
      ['enrolment (an installer without TOTP)', 'ivo', 'installer-password-1', /data-testid="totp-qr"/],
      ['the TOTP step', 'tess', 'installer-password-2', /autocomplete="one-time-code"/],
    ] as const) {
      test(`cancel on ${name} returns access_denied to the app, with its state and no code`, async () => {
        const { step, callback } = await cancelAfterPassword(username, password);
        assert.match(step.html, marker);
        assert.equal(callback.origin + callback.pathname, REDIRECT);
        assert.equal(callback.searchParams.get('error'), 'access_denied');
        assert.equal(callback.searchParams.get('state'), `st-${username}`);
        assert.equal(callback.searchParams.get('code'), null);
      });
    }
  });
}
