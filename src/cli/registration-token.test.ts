// `jullix-idp registration-token ...` end to end: tokens made by the real command (a child process)
// are accepted by an IdP running in this process on the same DATA_DIR, listed only by fingerprint,
// and refused once revoked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import type { RunningIdp } from '../server.ts';
import type { RegistrationTokenView } from './registration-tokens.ts';
import { hasNoStackTrace, jsonOf, runCli, startIdpIn, tempDataDir, type CliResult, withDatabase } from './test-support.ts';

type CreatedToken = RegistrationTokenView & { token: string; registration_endpoint: string };

const HOUR = 3600 * 1000;

describe('jullix-idp registration-token', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let idp: RunningIdp;
  const cli = (args: string[]): Promise<CliResult> => runCli(dir, args);
  const withDb = <T>(work: (db: Knex) => Promise<T>): Promise<T> => withDatabase(dir, work);
  const register = (token: string) => fetch(`${idp.url}/reg`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['https://app.example/cb'] }),
  });
  let created: CreatedToken;

  before(async () => {
    ({ dir, cleanup } = await tempDataDir());
    idp = await startIdpIn(dir);
  });
  after(async () => {
    await idp?.close();
    await cleanup();
  });

  test('create prints the token once; the provider stored it under the third-party policy; the audit has only its fingerprint', async () => {
    const startedAt = Date.now();
    const result = await runCli(dir, ['registration-token', 'create', '--expires-in', '2h', '--json'], { env: { ISSUER: idp.url } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /shown only this once/);
    assert.doesNotMatch(result.stderr, /default issuer/, 'ISSUER is set: the endpoint is the server\'s');
    created = jsonOf<CreatedToken>(result);
    assert.match(created.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(created.fingerprint, `${created.token.slice(0, 6)}…`);
    assert.deepEqual(created.policies, ['third-party']);
    assert.equal(created.registration_endpoint, `${idp.url}/reg`);
    const expiresAt = Date.parse(created.expires_at ?? '');
    assert.ok(expiresAt >= startedAt + 2 * HOUR && expiresAt <= Date.now() + 2 * HOUR, created.expires_at ?? 'no expiry');

    const { row, audit } = await withDb(async (db) => ({
      row: await db('oidc_models').where({ model: 'InitialAccessToken', id: created.token }).first(),
      audit: await db('audit_log').where('event', 'registration_token.created').first(),
    }));
    assert.ok(row !== undefined, 'stored as the adapter stores it: model InitialAccessToken, id = the value');
    assert.deepEqual(JSON.parse(String(row.payload)).policies, ['third-party']);
    assert.match(String(audit?.detail), new RegExp(`"fingerprint":"${created.fingerprint}"`));
    assert.ok(!String(audit?.detail).includes(created.token), 'never the value');
  });

  test('the running IdP accepts the token at its registration endpoint', async () => {
    // configuration.ts enables features.registration with the 'third-party' policy, so: 201.
    // (Before that feature existed this was 404; it must stay 201 now.)
    const response = await register(created.token);
    assert.equal(response.status, 201, await response.clone().text());
    const body = await response.json() as { client_id?: unknown; registration_access_token?: unknown };
    assert.equal(typeof body.client_id, 'string');
    assert.equal(typeof body.registration_access_token, 'string');
    assert.equal((await register('not-a-token')).status, 401);
  });

  test('list shows unexpired tokens by fingerprint only, newest first; the default lifetime is 24h', async () => {
    const second = await cli(['registration-token', 'create']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^Made a registration token, valid for 1d\.\nToken:\s+[A-Za-z0-9_-]{43}\nFingerprint:\s+\S{6}…\nExpires:\s+\S+\nPolicy:\s+third-party\n/);
    await withDb((db) => db('oidc_models').insert({
      model: 'InitialAccessToken', id: 'expiredTokenValue', payload: JSON.stringify({ iat: 1, policies: ['third-party'] }), expires_at: Date.now() - 1000,
    }));
    const [json, text] = await Promise.all([cli(['registration-token', 'list', '--json']), cli(['registration-token', 'list'])]);
    const tokens = jsonOf<RegistrationTokenView[]>(json);
    assert.equal(tokens.length, 2, 'the expired one is not listed');
    assert.equal(tokens[1]?.fingerprint, created.fingerprint);
    const day = Date.parse(tokens[0]?.expires_at ?? '') - Date.parse(tokens[0]?.created_at ?? '');
    assert.ok(Math.abs(day - 24 * HOUR) < 2000, `${day} ms`);
    assert.match(text.stdout, /^FINGERPRINT\s+CREATED\s+EXPIRES\s+POLICIES\n/);
    for (const output of [json.stdout, text.stdout]) assert.ok(!output.includes(created.token), 'never the whole token');
    assert.ok(!json.stdout.includes('"token"'));
  });

  test('without ISSUER the endpoint printed is the built-in default\'s, and stderr says it assumed that', async () => {
    // One after the other: two writers beside the running IdP would only test SQLite's lock wait.
    const json = await cli(['registration-token', 'create', '--json']);
    const text = await cli(['registration-token', 'create']);
    const notice = 'The registration endpoint http://localhost:3000/reg uses the built-in default issuer http://localhost:3000: if the server runs with another ISSUER, set it for this command too.';
    assert.equal(jsonOf<CreatedToken>(json).registration_endpoint, 'http://localhost:3000/reg', 'stdout stays JSON');
    for (const r of [json, text]) {
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stderr.split('\n').includes(notice), r.stderr);
    }
    assert.match(text.stdout, /Register at: POST http:\/\/localhost:3000\/reg/);
  });

  test('bad --expires-in values exit 2, a negative one with our message too (not parseArgs\' "ambiguous")', async () => {
    const results = await Promise.all(['0', '1w', '91d', '1.5h', 'soon', '-5', '-2h'].map((v) => cli(['registration-token', 'create', '--expires-in', v])));
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--expires-in: ".*" must be a duration such as 30m, 12h, 7d, 3600s or plain seconds, at most 90d/);
      assert.ok(hasNoStackTrace(r));
    }
  });

  test('revoke: an ambiguous prefix exits 1 listing the matches; a fingerprint revokes; the IdP then refuses the token', async () => {
    const future = Date.now() + HOUR;
    await withDb((db) => db('oidc_models').insert(['zzzzAAAAtoken', 'zzzzBBBBtoken'].map((id) => ({
      model: 'InitialAccessToken', id, payload: JSON.stringify({ iat: 1, policies: ['third-party'] }), expires_at: future,
    }))));
    const [ambiguous, none, short] = await Promise.all([
      cli(['registration-token', 'revoke', 'zzzz']),
      cli(['registration-token', 'revoke', 'qqqqqqqq']),
      cli(['registration-token', 'revoke', 'zz']),
    ]);
    assert.equal(ambiguous.code, 1, ambiguous.stderr);
    assert.match(ambiguous.stderr, /"zzzz" matches 2 registration tokens: zzzzAA… \(expires .+\), zzzzBB… \(expires .+\); give more of the token/);
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /no unexpired registration token starts with "qqqqqqqq"/);
    assert.equal(short.code, 2, short.stderr);

    const revoked = await cli(['registration-token', 'revoke', created.fingerprint, '--json']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(jsonOf<RegistrationTokenView>(revoked).fingerprint, created.fingerprint);
    assert.equal((await register(created.token)).status, 401, 'a revoked token is refused');
    const list = jsonOf<RegistrationTokenView[]>(await cli(['registration-token', 'list', '--json']));
    assert.ok(!list.some((t) => t.fingerprint === created.fingerprint));
    const audit = await withDb((db) => db('audit_log').where('event', 'registration_token.revoked').select('detail'));
    assert.equal(audit.length, 1);
    assert.match(String(audit[0]?.detail), new RegExp(`"fingerprint":"${created.fingerprint}"`));
  });
});
