// Units: label values come from closed sets, audit events move the right counters, registries are
// per instance, and the bearer check accepts exactly the configured token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditLog, AuditRecord } from '../audit/log.ts';
import { loadConfig } from '../config/load.ts';
import { countAuditEvents, createMetrics } from './metrics.ts';
import { countsForAudit, grantTypeOf, methodOf, routeOf, statusClassOf, tokenErrorOf } from './metrics-labels.ts';
import { bearerMatches } from './metrics-server.ts';

/** The value of one series in a text exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('routeOf: uids, client ids and unknown paths never become label values', () => {
  assert.equal(routeOf('/interaction/Zx81_kQ-u9/login', ''), '/interaction/:uid/login');
  assert.equal(routeOf('/interaction/Zx81_kQ-u9', ''), '/interaction/:uid');
  assert.equal(routeOf('/auth/Zx81_kQ-u9', ''), '/auth/:uid');
  assert.equal(routeOf('/reg/0123456789abcdef', ''), '/reg/:client');
  assert.equal(routeOf('/token', ''), '/token');
  assert.equal(routeOf('/account/', ''), '/account');
  assert.equal(routeOf('/account/2fa/enrol', ''), '/account/2fa/enrol');
  assert.equal(routeOf('/interaction/Zx81/evil-step', ''), 'other');
  assert.equal(routeOf('/interaction//login', ''), 'other');
  assert.equal(routeOf('/alice@example.com', ''), 'other');
  assert.equal(routeOf('/', ''), 'other');
  assert.equal(routeOf('/metrics', ''), 'other');
});

test('routeOf: honours the issuer path and refuses paths outside it', () => {
  assert.equal(routeOf('/idp/token', '/idp'), '/token');
  assert.equal(routeOf('/idp/interaction/abc/totp', '/idp'), '/interaction/:uid/totp');
  assert.equal(routeOf('/token', '/idp'), 'other');
  assert.equal(routeOf('/idpx/token', '/idp'), 'other');
});

test('method, status class, grant type and token error labels fall back to a fixed value', () => {
  assert.equal(methodOf('GET'), 'GET');
  assert.equal(methodOf('PROPFIND'), 'OTHER');
  assert.deepEqual([200, 303, 404, 503, 0, 999].map(statusClassOf), ['2xx', '3xx', '4xx', '5xx', 'other', 'other']);
  assert.equal(grantTypeOf('client_credentials'), 'client_credentials');
  assert.equal(grantTypeOf('alice'), 'other');
  assert.equal(grantTypeOf(undefined), 'other');
  assert.equal(tokenErrorOf('invalid_client'), 'invalid_client');
  assert.equal(tokenErrorOf('client secret for backoffice is wrong'), 'other');
});

test('countsForAudit: each sign-in event maps to its outcome and factor', () => {
  const cases: Array<[Pick<AuditRecord, 'event' | 'detail'>, ReturnType<typeof countsForAudit>]> = [
    [{ event: 'login.password.success' }, { signIn: { outcome: 'success', factor: 'password' } }],
    [{ event: 'login.password.failure', detail: { reason: 'unknown_user' } }, { signIn: { outcome: 'failure', factor: 'password' } }],
    [{ event: 'totp.success' }, { signIn: { outcome: 'success', factor: 'totp' } }],
    [{ event: 'totp.failure', detail: { reason: 'reused' } }, { signIn: { outcome: 'failure', factor: 'totp' } }],
    [{ event: 'totp.failure', detail: { reason: 'enrol_mismatch' } }, { signIn: { outcome: 'failure', factor: 'enrolment' } }],
    [{ event: 'recovery_code.used', detail: { remaining: 9 } }, { signIn: { outcome: 'success', factor: 'recovery_code' } }],
    [{ event: 'totp.enrolled' }, { totpEnrolledVia: 'sign_in', signIn: { outcome: 'success', factor: 'enrolment' } }],
    [{ event: 'totp.enrolled', detail: { via: 'account' } }, { totpEnrolledVia: 'account' }],
    [{ event: 'login.throttled', detail: { step: 'password', retryAfterMs: 1 } }, { throttledStep: 'password', signIn: { outcome: 'throttled', factor: 'password' } }],
    [{ event: 'login.throttled', detail: { step: 'enrol' } }, { throttledStep: 'enrolment', signIn: { outcome: 'throttled', factor: 'enrolment' } }],
    [{ event: 'login.throttled', detail: { step: 'account-confirm' } }, { throttledStep: 'account_confirm' }],
    [{ event: 'login.throttled', detail: { step: 'something-new' } }, { throttledStep: 'other' }],
    [{ event: 'login.success', detail: { acr: 'aal2', amr: 'pwd otp' } }, { completedAcr: 'aal2' }],
    [{ event: 'consent.given' }, {}],
  ];
  for (const [entry, expected] of cases) assert.deepEqual(countsForAudit(entry), expected, JSON.stringify(entry));
});

test('createMetrics: counters start at 0, move with audit events and grants, and each instance has its own', async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.countAudit({ event: 'login.password.failure', detail: { reason: 'wrong_password' } });
  a.countAudit({ event: 'login.throttled', detail: { step: 'totp' } });
  a.countGrant('client_credentials');
  a.countGrantError('authorization_code', 'invalid_grant');
  a.observeRequest({ path: '/interaction/secret-uid/login', basePath: '', method: 'POST', status: 401, seconds: 0.2 });
  const text = await a.registry.metrics();
  assert.equal(sample(text, 'jullix_idp_sign_ins_total{outcome="failure",factor="password"}'), 1);
  assert.equal(sample(text, 'jullix_idp_sign_ins_total{outcome="success",factor="password"}'), 0);
  assert.equal(sample(text, 'jullix_idp_sign_ins_total{outcome="throttled",factor="totp"}'), 1);
  assert.equal(sample(text, 'jullix_idp_throttled_total{step="totp"}'), 1);
  assert.equal(sample(text, 'jullix_idp_audit_events_total{event="login.password.failure"}'), 1);
  assert.equal(sample(text, 'jullix_idp_tokens_issued_total{grant_type="client_credentials"}'), 1);
  assert.equal(sample(text, 'jullix_idp_token_errors_total{grant_type="authorization_code",error="invalid_grant"}'), 1);
  assert.equal(sample(text, 'jullix_idp_http_request_duration_seconds_bucket{le="0.25",route="/interaction/:uid/login",method="POST",status_class="4xx"}'), 1);
  assert.ok(!text.includes('secret-uid'));
  assert.match(text, /^process_cpu_seconds_total /m, 'default process metrics in the same registry');
  const other = await b.registry.metrics();
  assert.equal(sample(other, 'jullix_idp_sign_ins_total{outcome="failure",factor="password"}'), 0, 'a second IdP does not see the first one\'s counts');
});

test('createMetrics: pool gauges read the pool at scrape time and are absent without one', async () => {
  let used = 1;
  const pool = { numUsed: () => used, numFree: () => 3, numPendingAcquires: () => 2, numPendingCreates: () => 0, max: 4 };
  const metrics = createMetrics({ pool: () => pool });
  used = 2;
  const text = await metrics.registry.metrics();
  assert.equal(sample(text, 'jullix_idp_db_pool_connections{state="used"}'), 2);
  assert.equal(sample(text, 'jullix_idp_db_pool_connections{state="pending_acquire"}'), 2);
  assert.equal(sample(text, 'jullix_idp_db_pool_max_connections'), 4);
  const closed = await createMetrics({ pool: () => undefined }).registry.metrics();
  assert.equal(sample(closed, 'jullix_idp_db_pool_connections{state="used"}'), undefined);
});

test('countAuditEvents: counts only what the audit log actually wrote', async () => {
  const metrics = createMetrics();
  let fail = false;
  const inner: AuditLog = {
    record: async () => { if (fail) throw new Error('database gone'); },
    recordAll: async () => { if (fail) throw new Error('database gone'); },
    list: async () => [],
  };
  const audit = countAuditEvents(inner, metrics);
  await audit.record({ event: 'totp.success', username: 'alice' });
  await audit.recordAll([{ event: 'totp.success', username: 'alice' }, { event: 'totp.success', username: 'alice' }]);
  fail = true;
  await assert.rejects(audit.record({ event: 'totp.success', username: 'alice' }));
  await assert.rejects(audit.recordAll([{ event: 'totp.success', username: 'alice' }]));
  const text = await metrics.registry.metrics();
  assert.equal(sample(text, 'jullix_idp_sign_ins_total{outcome="success",factor="totp"}'), 3, 'each record of a batch counts');
  assert.ok(!text.includes('alice'));
  assert.equal(countAuditEvents(inner, undefined), inner, 'metrics off: the audit log is untouched');
});

test('bearerMatches: only the exact token, with the Bearer scheme', () => {
  const token = 'a'.repeat(32);
  assert.equal(bearerMatches(`Bearer ${token}`, token), true);
  assert.equal(bearerMatches(`bearer ${token}`, token), true);
  assert.equal(bearerMatches(`Bearer ${token}x`, token), false);
  assert.equal(bearerMatches(`Bearer ${token.slice(1)}`, token), false);
  assert.equal(bearerMatches(`Basic ${token}`, token), false);
  assert.equal(bearerMatches(token, token), false);
  assert.equal(bearerMatches('Bearer ', token), false);
  assert.equal(bearerMatches(undefined, token), false);
});

test('config: metrics are off by default, on loopback when on, and bad settings are refused with what to fix', () => {
  const base = { PORT: '3000', DATA_DIR: '/tmp/jullix-metrics-config' };
  assert.deepEqual(loadConfig(base).metrics, { host: '127.0.0.1' });
  assert.deepEqual(loadConfig({ ...base, METRICS_PORT: '9464', METRICS_TOKEN: 'x'.repeat(32) }).metrics, { host: '127.0.0.1', port: 9464, token: 'x'.repeat(32) });
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(problems({ METRICS_PORT: '3000' }), /METRICS_PORT \(metrics\.port\): must differ from the main port/);
  assert.match(problems({ METRICS_PORT: 'nine' }), /METRICS_PORT: expected a whole number/);
  assert.match(problems({ METRICS_PORT: '70000' }), /metrics\.port/);
  assert.match(problems({ METRICS_PORT: '9464', METRICS_TOKEN: 'short' }), /METRICS_TOKEN \(metrics\.token\): must be at least 16 characters/);
});
