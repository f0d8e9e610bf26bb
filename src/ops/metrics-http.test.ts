// Integration: a real IdP with METRICS_PORT set counts sign-ins and grants, serves them only on the
// metrics listener and only with the token, and its exposition holds no personal data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { codeFor, isCallback, newBrowser, passwordStep, recoveryCodesOf, redeem, secretOf, submit, tokenRequest, type TestClient } from '../adversarial/flows.ts';
import { runCli } from '../cli/test-support.ts';
import { isIdpError } from '../errors.ts';
import { manualClock } from '../security/clock.ts';
import { backends, freePort, startTestIdp, type TestIdp } from '../testing/harness.ts';

const TOKEN = 'metrics-test-token-0123456789abcdef';
const USER = { username: 'quentin.metrics', password: 'quentin-password-long', email: 'q.metrics@example.test', name: 'Quentin Metricsperson' };
const PORTAL: TestClient = { client_id: 'metrics-portal-7f3a', client_secret: 'portal-secret-'.padEnd(48, 'p') };
const SERVICE: TestClient = { client_id: 'metrics-service-c91e', client_secret: 'service-secret-'.padEnd(48, 's') };

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Scrapes with `Bearer <token>`; `null` sends no Authorization header. */
async function scrape(idp: TestIdp, token: string | null = TOKEN): Promise<Response> {
  assert.ok(idp.metricsUrl, 'metrics listener is on');
  return fetch(idp.metricsUrl, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
}

for (const backend of backends()) {
  describe(`metrics listener (${backend.name})`, () => {
    let idp: TestIdp;
    let userId = '';
    let uid = '';
    before(async () => {
      idp = await startTestIdp({ backend, env: { METRICS_PORT: String(await freePort()), METRICS_TOKEN: TOKEN } });
      userId = (await idp.addUser(USER)).id;
      const redirect = { redirect_uris: ['https://app.example.test/callback'], jullix_first_party: true };
      await idp.addClient({ ...PORTAL, ...redirect, client_name: 'Metrics portal', grant_types: ['authorization_code'] });
      await idp.addClient({ ...SERVICE, ...redirect, client_name: 'Metrics service', grant_types: ['client_credentials'], response_types: [] });
    });
    after(() => idp.stop());

    test('a password sign-in, a failed one and a client_credentials grant are counted with the right labels', async () => {
      const failed = await passwordStep(newBrowser(), idp, PORTAL, USER.username, 'wrong-password-here');
      assert.equal(failed.page.status, 401);
      const ok = await passwordStep(newBrowser(), idp, PORTAL, USER.username, USER.password);
      uid = new URL(ok.login.url).pathname.split('/')[2] ?? '';
      assert.ok(isCallback(ok.page.url), `signed in: ${ok.page.url}`);
      const code = new URL(ok.page.url).searchParams.get('code') ?? '';
      assert.equal((await redeem(idp, PORTAL, code, ok.started.verifier)).status, 200);
      assert.equal((await tokenRequest(idp, SERVICE, new URLSearchParams({ grant_type: 'client_credentials' }))).status, 200);
      assert.equal((await tokenRequest(idp, { ...SERVICE, client_secret: 'wrong'.padEnd(48, 'w') }, new URLSearchParams({ grant_type: 'client_credentials' }))).status, 401);

      const res = await scrape(idp);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.equal(sample(text, 'jullix_idp_sign_ins_total{outcome="success",factor="password"}'), 1);
      assert.equal(sample(text, 'jullix_idp_sign_ins_total{outcome="failure",factor="password"}'), 1);
      assert.equal(sample(text, 'jullix_idp_sign_ins_completed_total{acr="aal1"}'), 1);
      assert.equal(sample(text, 'jullix_idp_tokens_issued_total{grant_type="authorization_code"}'), 1);
      assert.equal(sample(text, 'jullix_idp_tokens_issued_total{grant_type="client_credentials"}'), 1);
      assert.equal(sample(text, 'jullix_idp_token_errors_total{grant_type="client_credentials",error="invalid_client"}'), 1);
      assert.equal(sample(text, 'jullix_idp_http_request_duration_seconds_count{route="/interaction/:uid/login",method="POST",status_class="4xx"}'), 1);
      assert.equal(sample(text, 'jullix_idp_http_request_duration_seconds_count{route="/token",method="POST",status_class="2xx"}'), 2);
      assert.ok((sample(text, 'jullix_idp_db_pool_max_connections') ?? 0) >= 1, 'pool size reported');
      assert.notEqual(sample(text, 'jullix_idp_db_pool_connections{state="used"}'), undefined);
      assert.doesNotMatch(text, /route="other"/, 'every endpoint used has a route template');
    });

    test('grants are still counted after a key rotation has swapped in a new provider', async () => {
      const before = sample(await (await scrape(idp)).text(), 'jullix_idp_tokens_issued_total{grant_type="client_credentials"}');
      const rotated = await runCli(idp.dataDir, ['keys', 'rotate', '--alg', 'RS256', '--activate-after', '1h'], { env: idp.config.databaseUrl ? { DATABASE_URL: idp.config.databaseUrl } : {} });
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.equal(await idp.app.signingKeys.refresh(), true, 'the published keys changed, so the provider was rebuilt');
      assert.equal((await tokenRequest(idp, SERVICE, new URLSearchParams({ grant_type: 'client_credentials' }))).status, 200);
      const after = sample(await (await scrape(idp)).text(), 'jullix_idp_tokens_issued_total{grant_type="client_credentials"}');
      assert.equal(after, (before ?? 0) + 1);
    });

    test('the exposition holds no username, email, name, ids, client ids or addresses', async () => {
      const text = (await (await scrape(idp)).text()).toLowerCase();
      assert.ok(uid.length > 8, 'the sign-in above ran');
      for (const personal of [USER.username, USER.email, USER.name, 'quentin', userId, uid, PORTAL.client_id, SERVICE.client_id, '127.0.0.1', '::1', 'localhost']) {
        assert.ok(!text.includes(personal.toLowerCase()), `exposition contains ${personal}`);
      }
    });

    test('scrapes need the token: 401 without it or with a wrong one', async () => {
      const none = await scrape(idp, null);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.doesNotMatch(await none.text(), /jullix_idp_/);
      assert.equal((await scrape(idp, `${TOKEN}x`)).status, 401);
      assert.equal((await fetch(idp.metricsUrl ?? '', { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } })).status, 401);
    });

    test('the listener serves /metrics only, on loopback, and the main port has no /metrics', async () => {
      assert.match(idp.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      assert.equal((await fetch(new URL('/', idp.metricsUrl)).then((r) => r.status)), 404);
      assert.equal((await fetch(idp.metricsUrl ?? '', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status, 405);
      const main = await fetch(`${idp.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(main.status, 404);
      assert.doesNotMatch(await main.text(), /jullix_idp_/);
    });
  });
}

describe('metrics for the second factor', () => {
  test('enrolment, TOTP and recovery codes are counted by outcome and factor, and the acr reached', async () => {
    const clock = manualClock(Date.now());
    const idp = await startTestIdp({ clock, env: { METRICS_PORT: String(await freePort()), METRICS_TOKEN: TOKEN } });
    try {
      await idp.addUser({ username: 'ivan.installer', password: 'ivan-password-long', role: 'installer' });
      await idp.addClient({ ...PORTAL, redirect_uris: ['https://app.example.test/callback'], client_name: 'Metrics portal', grant_types: ['authorization_code'], jullix_first_party: true });
      const signIn = async (browser = newBrowser()) => (await passwordStep(browser, idp, PORTAL, 'ivan.installer', 'ivan-password-long')).page;

      const enrolBrowser = newBrowser();
      const enrol = await signIn(enrolBrowser);
      const secret = secretOf(enrol.html);
      const wrong = await submit(enrolBrowser, enrol, '/enrol', { code: '000001' });
      const shown = await submit(enrolBrowser, wrong, '/enrol', { code: await codeFor(secret, clock.now()) });
      const recovery = recoveryCodesOf(shown.html);
      assert.ok(isCallback((await submit(enrolBrowser, shown, '/continue')).url), 'enrolled and signed in');

      clock.advance(30_000);
      const totpBrowser = newBrowser();
      const totpStep = await signIn(totpBrowser);
      const refused = await submit(totpBrowser, totpStep, '/totp', { code: '000002' });
      assert.equal(refused.status, 401);
      assert.ok(isCallback((await submit(totpBrowser, refused, '/totp', { code: await codeFor(secret, clock.now()) })).url));

      const recoveryBrowser = newBrowser();
      const notice = await submit(recoveryBrowser, await signIn(recoveryBrowser), '/totp', { code: recovery[0] ?? '' });
      assert.ok(isCallback((await submit(recoveryBrowser, notice, '/continue')).url));

      const text = await (await scrape(idp)).text();
      const expected: Record<string, number> = {
        'jullix_idp_sign_ins_total{outcome="success",factor="password"}': 3,
        'jullix_idp_sign_ins_total{outcome="failure",factor="enrolment"}': 1,
        'jullix_idp_sign_ins_total{outcome="success",factor="enrolment"}': 1,
        'jullix_idp_sign_ins_total{outcome="failure",factor="totp"}': 1,
        'jullix_idp_sign_ins_total{outcome="success",factor="totp"}': 1,
        'jullix_idp_sign_ins_total{outcome="success",factor="recovery_code"}': 1,
        'jullix_idp_totp_enrolments_total{via="sign_in"}': 1,
        'jullix_idp_totp_enrolments_total{via="account"}': 0,
        'jullix_idp_sign_ins_completed_total{acr="aal2"}': 3,
      };
      for (const [series, value] of Object.entries(expected)) assert.equal(sample(text, series), value, series);
      assert.ok(!text.includes('ivan'), 'no username in the exposition');
      assert.doesNotMatch(text, /route="other"/, 'every page of the sign-in has a route template');
    } finally {
      await idp.stop();
    }
  });
});

describe('metrics lifecycle', () => {
  test('off by default: no listener, no /metrics on the main port', async () => {
    const idp = await startTestIdp();
    try {
      assert.equal(idp.config.metrics.port, undefined);
      assert.equal(idp.metricsUrl, undefined);
      assert.equal((await fetch(`${idp.url}/metrics`)).status, 404);
    } finally {
      await idp.stop();
    }
  });

  test('the listener closes with the IdP', async () => {
    const idp = await startTestIdp({ env: { METRICS_PORT: String(await freePort()) } });
    const url = idp.metricsUrl ?? '';
    assert.equal((await fetch(url)).status, 200, 'no token configured: open on loopback');
    await idp.stop();
    assert.equal(await fetch(url).then(() => 'answered', () => 'refused'), 'refused');
  });

  test('a metrics port in use stops start-up with a clear message and releases the main port', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const mainPort = await freePort();
    try {
      await assert.rejects(startTestIdp({ env: { PORT: String(mainPort), ISSUER: `http://localhost:${mainPort}`, METRICS_PORT: String(port) } }), (err: unknown) => {
        assert.ok(isIdpError(err, 'config_invalid') && err.expose);
        assert.match(err.message, new RegExp(`Metrics port ${port} is already in use.*METRICS_PORT`));
        return true;
      });
      const again = net.createServer();
      await new Promise<void>((resolve, reject) => { again.once('error', reject); again.listen(mainPort, resolve); });
      await new Promise<void>((resolve) => again.close(() => resolve()));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
