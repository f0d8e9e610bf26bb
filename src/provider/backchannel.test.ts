// Back-channel logout for sessions ended outside the logout endpoint: "sign me out everywhere else"
// on the account page tells the apps the other sessions signed in, and an app that is down is
// tried again later, then given up with an error in the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { accountSignIn, postAccountForm } from '../testing/account-page.ts';
import { addLogoutApp, LOGOUT_EVENT, startLogoutReceiver, type LogoutReceiver } from '../testing/backchannel.ts';
import { backends, freePort, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { openSignInPage, passwordSignIn, redeem, startSignIn, type RpOptions } from '../testing/relying-party.ts';
import { manualClock } from '../security/clock.ts';
import { nextAttemptAt, queueLogouts, RETRY_DELAYS_MS } from './backchannel.ts';

const SHOP_REDIRECT = 'http://127.0.0.1:8771/callback';

test('an app that failed is tried again after 10 s, 1 min, 5 min and 30 min, then given up', () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => (nextAttemptAt(n, 1000) ?? 0) - 1000), [10_000, 60_000, 300_000, 1_800_000]);
  assert.equal(nextAttemptAt(RETRY_DELAYS_MS.length + 1, 1000), undefined);
});

/** Waits (bounded) until `done` holds; the server sends from its own timer. */
async function eventually(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const backend of backends()) {
  describe(`back-channel logout outside the logout endpoint (${backend.name})`, () => {
    let idp: TestIdp;
    let logouts: LogoutReceiver;
    let shop: RpOptions;
    let shopConfig: oidc.Configuration;
    const clock = manualClock(Date.now());

    before(async () => {
      idp = await startTestIdp({ backend, clock });
      logouts = await startLogoutReceiver();
      ({ rp: shop, config: shopConfig } = await addLogoutApp(idp, 'shop', SHOP_REDIRECT, logouts));
    });
    after(async () => {
      await idp.stop();
      await logouts.close();
    });

    const queued = async () => Number((await idp.db('backchannel_logouts').count({ n: '*' }).first())?.n);

    test('"sign me out everywhere else" tells the app the other browser signed in, with that session\'s sid', async () => {
      const user = await idp.addUser({ username: 'olga', password: 'olga-password-1' });
      const other = new TestBrowser();
      const theirTokens = await passwordSignIn(other, shopConfig, shop, 'olga', 'olga-password-1');
      const theirs = theirTokens.claims();
      // A sign-in someone left waiting just before its resume (the old password was enough for it).
      const waiting = new TestBrowser();
      const form = findForm((await openSignInPage(waiting, await startSignIn(shopConfig, shop), SHOP_REDIRECT)).html, '/login', idp.url);
      const passed = await waiting.postForm(new URL(form.action, idp.url).href, { ...form.fields, username: 'olga', password: 'olga-password-1' });
      const resume = new URL(passed.headers.get('location') ?? '', idp.url).href;
      const mine = new TestBrowser();
      const overview = await accountSignIn(mine, idp.url, 'olga', 'olga-password-1', undefined, clock.now());
      // This browser also signs in to the shop: its session stays, so the shop must not hear of it.
      const started = await startSignIn(shopConfig, shop);
      const ownTokens = await redeem(shopConfig, (await openSignInPage(mine, started, SHOP_REDIRECT)).url, started);
      const own = ownTokens.claims();
      assert.notEqual(own?.sid, theirs?.sid);
      logouts.received.length = 0;

      const changed = await postAccountForm(mine, overview, '/password', {
        password: 'olga-password-1', new_password: 'olga-password-2', new_password_repeat: 'olga-password-2', end_other_sessions: 'yes',
      });
      assert.equal(changed.url, `${idp.url}/account?notice=password-changed-others-ended`);

      await eventually(() => logouts.received.length > 0, 'the logout token');
      assert.equal(logouts.received.length, 1);
      const [told] = logouts.received;
      assert.deepEqual([told?.iss, told?.aud, told?.sub, told?.sid], [idp.config.issuer, 'shop', user.id, theirs?.sid]);
      assert.ok(told?.events?.[LOGOUT_EVENT]);
      await eventually(async () => (await queued()) === 0, 'the queue to empty');
      // The other browser's tokens stop working; this browser's, issued through the kept session, do not.
      const userinfo = async (token: string) => (await fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status;
      assert.equal(await userinfo(theirTokens.access_token), 401);
      assert.equal(await userinfo(ownTokens.access_token), 200);
      const resumed = await waiting.follow(resume, (u) => u.startsWith(SHOP_REDIRECT));
      assert.equal(new URL(resumed.url).searchParams.get('code'), null, 'the waiting sign-in gets no code');
    });

    test('an app whose stored metadata cannot be read is retried like an app that is down, not kept forever', async () => {
      // Not valid client metadata: oidc-provider refuses to build the client when the row is read.
      await idp.db('oidc_models').insert({ model: 'Client', id: 'broken', payload: JSON.stringify({ client_id: 'broken', redirect_uris: 'not a list', backchannel_logout_uri: 'http://127.0.0.1:1/bc' }), expires_at: null });
      const session = { accountId: '00000000-0000-4000-8000-000000000002', apps: [{ clientId: 'broken', sid: 'sid-3' }] };
      assert.equal(await queueLogouts(idp.db, clock, [session]), 1);
      idp.app.logouts.kick();
      await eventually(async () => (await idp.db('backchannel_logouts').where('client_id', 'broken').first('attempts'))?.attempts === 1
        && (await idp.db('backchannel_logouts').where('client_id', 'broken').first('next_attempt_at'))?.next_attempt_at !== undefined, 'the failure to be recorded');
      const row = await idp.db('backchannel_logouts').where('client_id', 'broken').first('next_attempt_at', 'last_error');
      assert.equal(Number(row?.next_attempt_at), clock.now() + 10_000, 'the next try in 10 s, not a lease held forever');
      assert.ok(String(row?.last_error).length > 0);
      await idp.db('backchannel_logouts').where('client_id', 'broken').delete();
      await idp.db('oidc_models').where({ model: 'Client', id: 'broken' }).delete();
    });

    test('an app that is down is tried again later, and given up after five tries with an error in the log', async () => {
      let answer = 503;
      const seen: number[] = [];
      const port = await freePort();
      const flaky = http.createServer((req, res) => {
        req.resume().on('end', () => { seen.push(answer); res.statusCode = answer; res.end(); });
      });
      await new Promise<void>((resolve) => flaky.listen(port, '127.0.0.1', resolve));
      try {
        await idp.addClient({
          client_id: 'flaky', redirect_uris: ['http://127.0.0.1:8772/callback'], token_endpoint_auth_method: 'none',
          backchannel_logout_uri: `http://127.0.0.1:${port}/backchannel`,
        });
        const session = { accountId: '00000000-0000-4000-8000-000000000001', apps: [{ clientId: 'flaky', sid: 'sid-1' }, { clientId: 'no-such-app', sid: 'sid-2' }] };
        assert.equal(await queueLogouts(idp.db, clock, [session]), 1, 'only apps that asked for back-channel logout are queued');
        idp.app.logouts.kick();
        await eventually(() => seen.length === 1, 'the first try');
        await eventually(async () => (await idp.db('backchannel_logouts').first('attempts'))?.attempts === 1, 'the failure to be recorded');
        const row = await idp.db('backchannel_logouts').first('next_attempt_at', 'last_error');
        assert.equal(Number(row?.next_attempt_at), clock.now() + 10_000, 'the next try in 10 s');
        assert.match(String(row?.last_error), /503/);
        // Not before its time: the server's own look at the queue leaves it alone.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        assert.equal(seen.length, 1);

        // Four more failures, each once its delay has passed; then it is dropped and logged.
        const attempts = async () => (await idp.db('backchannel_logouts').first('attempts') as { attempts: number } | undefined)?.attempts;
        for (const [i, delay] of RETRY_DELAYS_MS.entries()) {
          // The clock moves only once the last failure is stored: the app answers before the IdP
          // has written when to try next, and a clock moved in between would push that later.
          await eventually(async () => (await attempts()) === i + 1 && Number((await idp.db('backchannel_logouts').first('next_attempt_at'))?.next_attempt_at) === clock.now() + delay, `try ${i + 1} recorded`);
          clock.advance(delay);
          const before = seen.length;
          idp.app.logouts.kick();
          await eventually(() => seen.length === before + 1, `the try after ${delay} ms`);
        }
        await eventually(async () => (await queued()) === 0, 'the row to be dropped');
        assert.ok(idp.logs.some((line) => line.includes('back-channel logout given up') && line.includes('flaky')), 'given up, in the log');
        assert.equal(seen.length, 5);

        // Answered 200 at the first try: sent and gone.
        answer = 200;
        await queueLogouts(idp.db, clock, [session]);
        idp.app.logouts.kick();
        await eventually(async () => seen.length === 6 && (await queued()) === 0, 'a good answer to empty the queue');
      } finally {
        await new Promise<void>((resolve) => flaky.close(() => resolve()));
      }
    });
  });
}
