// `jullix-idp client ...` end to end: the real command in a child process against a fresh DATA_DIR.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { FIRST_PARTY } from '../provider/client-metadata.ts';
import type { ClientView } from './client-view.ts';
import { hasNoStackTrace, jsonOf, runCli, tempDataDir, type CliResult, withDatabase } from './test-support.ts';

type AddedClient = ClientView & { client_secret?: string };

// Preloaded into the child (NODE_OPTIONS=--import): says so on stderr when oidc-provider is loaded.
const TRACE_HOOK = `import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  if (/^oidc-provider(\\/|$)/.test(specifier)) process.stderr.write('trace: loaded oidc-provider\\n');
  return next(specifier, context);
} });
`;

describe('jullix-idp client', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (args: string[]): Promise<CliResult> => runCli(dir, args);
  let traceOptions: string;
  /** Runs the command reporting whether it loaded oidc-provider (only validating a new client should). */
  const traced = (args: string[]): Promise<CliResult> => runCli(dir, args, { env: { NODE_OPTIONS: traceOptions } });
  let confidential: AddedClient;
  let spa: AddedClient;
  const withDb = <T>(work: (db: Knex) => Promise<T>): Promise<T> => withDatabase(dir, work);

  before(async () => {
    ({ dir, cleanup } = await tempDataDir());
    const hook = path.join(dir, 'trace-hook.mjs');
    await writeFile(hook, TRACE_HOOK);
    traceOptions = `--import=${pathToFileURL(hook).href}`;
  });
  after(() => cleanup());

  test('add --json prints the client with its secret; the row is what oidc-provider reads', async () => {
    const result = await traced(['client', 'add', '--name', 'Portal', '--redirect-uri', 'https://portal.example.com/cb',
      '--redirect-uri', 'http://localhost:8080/cb', '--post-logout-redirect-uri', 'https://portal.example.com/', '--first-party', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /trace: loaded oidc-provider/, 'add validates with the real provider');
    confidential = jsonOf<AddedClient>(result);
    assert.match(confidential.client_id, /^[0-9a-f]{32}$/, '16 random bytes, hex (never starts with a dash)');
    assert.match(confidential.client_secret ?? '', /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.equal(confidential.client_name, 'Portal');
    assert.deepEqual(confidential.redirect_uris, ['https://portal.example.com/cb', 'http://localhost:8080/cb']);
    assert.equal(confidential.first_party, true);
    assert.match(result.stderr, /shown only this once/);

    await withDb(async (db) => {
      const row = await db('oidc_models').where({ model: 'Client', id: confidential.client_id }).first();
      assert.equal(row?.expires_at, null);
      const payload = JSON.parse(String(row?.payload));
      assert.equal(payload.client_secret, confidential.client_secret);
      assert.equal(payload.token_endpoint_auth_method, 'client_secret_basic');
      assert.deepEqual(payload.grant_types, ['authorization_code', 'refresh_token']);
      assert.deepEqual(payload.response_types, ['code']);
      assert.equal(payload.application_type, 'web');
      assert.equal(payload[FIRST_PARTY], true);
      const audit = await db('audit_log').where('event', 'client.created').first();
      assert.equal(audit?.client_id, confidential.client_id);
      assert.ok(!String(audit?.detail).includes(String(confidential.client_secret)), 'no secret in the audit trail');
    });
  });

  test('add --public prints a client without a secret, readably', async () => {
    const result = await cli(['client', 'add', '--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--public']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Registered client "SPA"\.\nClient ID:\s+[0-9a-f]{32}\nName:\s+SPA\nType:\s+public \(no secret, PKCE required\)/);
    assert.doesNotMatch(result.stdout + result.stderr, /secret:|shown only this once/);
    assert.match(result.stdout, /Redirect URIs:\s+https:\/\/spa\.example\.com\/cb/);
    assert.match(result.stdout, /Issuer:\s+http:\/\/localhost:3000/);
    assert.match(result.stderr, /^The issuer shown uses the built-in default issuer http:\/\/localhost:3000: if the server/m, 'no ISSUER in this shell');
    spa = jsonOf<AddedClient>(await cli(['client', 'show', /Client ID:\s+([\w-]+)/.exec(result.stdout)?.[1] ?? '', '--json']));
    assert.equal(spa.client_secret, undefined);
    assert.equal(spa.token_endpoint_auth_method, 'none');
    assert.equal(spa.first_party, false);
  });

  test('redirect URIs that break a rule exit 2, each rule named at once', async () => {
    const bad = await cli(['client', 'add', '--name', 'Bad', '--redirect-uri', 'http://evil.example/cb',
      '--redirect-uri', 'https://app.example.com/cb#frag', '--redirect-uri', 'https://*.example.com/cb']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /"http:\/\/evil\.example\/cb" must use https/);
    assert.match(bad.stderr, /"https:\/\/app\.example\.com\/cb#frag" must not contain a fragment/);
    assert.match(bad.stderr, /"https:\/\/\*\.example\.com\/cb" must not contain a wildcard/);
    assert.ok(hasNoStackTrace(bad));
    const missing = await cli(['client', 'add', '--name', 'No URI']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--redirect-uri: is required/);
  });

  test('list and show never print a secret, nor load oidc-provider', async () => {
    const list = await traced(['client', 'list', '--json']);
    assert.doesNotMatch(list.stderr, /trace: loaded oidc-provider/);
    const clients = jsonOf<ClientView[]>(list);
    assert.deepEqual(clients.map((c) => c.client_name), ['Portal', 'SPA']);
    assert.ok(!list.stdout.includes(String(confidential.client_secret)) && !list.stdout.includes('"client_secret"'));
    const show = await traced(['client', 'show', confidential.client_id]);
    assert.doesNotMatch(show.stderr, /trace: loaded oidc-provider/);
    assert.match(show.stdout, /First party:\s+yes/);
    assert.match(show.stdout, /Post-logout URIs:\s+https:\/\/portal\.example\.com\//);
    assert.ok(!show.stdout.includes(String(confidential.client_secret)) && !show.stdout.includes('Client secret'));
  });

  test('add stores grant types, auth method, require-MFA, back-channel logout, logo and client URIs as oidc-provider reads them', async () => {
    const [strict, service] = await Promise.all([
      cli(['client', 'add', '--name', 'Strict', '--redirect-uri', 'https://strict.example.com/cb', '--token-endpoint-auth-method', 'client_secret_post',
        '--require-mfa', '--backchannel-logout-uri', 'https://strict.example.com/logout', '--logo-uri', 'https://cdn.example.com/logo.png',
        '--client-uri', 'https://strict.example.com/', '--json']),
      cli(['client', 'add', '--name', 'Service', '--grant-type', 'client_credentials', '--json']),
    ]);
    assert.equal(strict.code, 0, strict.stderr);
    assert.equal(service.code, 0, service.stderr);
    const s = jsonOf<AddedClient>(strict);
    assert.equal(s.token_endpoint_auth_method, 'client_secret_post');
    assert.deepEqual(s.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(s.require_mfa, true);
    assert.equal(s.backchannel_logout_uri, 'https://strict.example.com/logout');
    const svc = jsonOf<AddedClient>(service);
    assert.match(svc.client_secret ?? '', /^[A-Za-z0-9_-]{43}$/);
    const [strictRow, serviceRow] = await withDb((db) => Promise.all([s, svc].map(async (c) =>
      JSON.parse(String((await db('oidc_models').where({ model: 'Client', id: c.client_id }).first())?.payload)))));
    assert.deepEqual(strictRow.default_acr_values, ['aal2']);
    assert.equal(strictRow.backchannel_logout_uri, 'https://strict.example.com/logout');
    assert.equal(strictRow.backchannel_logout_session_required, true);
    assert.equal(strictRow.logo_uri, 'https://cdn.example.com/logo.png');
    assert.equal(strictRow.client_uri, 'https://strict.example.com/');
    assert.deepEqual(serviceRow.grant_types, ['client_credentials']);
    assert.deepEqual(serviceRow.response_types, []);
    assert.equal('redirect_uris' in serviceRow, false);
    assert.equal(serviceRow.token_endpoint_auth_method, 'client_secret_basic');
  });

  test('bad grant types, conflicting flags and bad URIs exit 2 naming the flag, and store nothing', async () => {
    const add = (...args: string[]) => cli(['client', 'add', '--name', 'Bad', ...args]);
    const web = ['--redirect-uri', 'https://bad.example.com/cb'];
    const results = await Promise.all([
      add(...web, '--grant-type', 'implicit'),
      add(...web, '--public', '--token-endpoint-auth-method', 'client_secret_basic'),
      add(...web, '--token-endpoint-auth-method', 'private_key_jwt'),
      add('--grant-type', 'client_credentials', '--public'),
      add('--grant-type', 'client_credentials', '--token-endpoint-auth-method', 'none'),
      add('--grant-type', 'refresh_token', '--grant-type', 'client_credentials'),
      add('--grant-type', 'authorization_code', '--grant-type', 'client_credentials'),
      add('--grant-type', 'client_credentials', ...web, '--require-mfa'),
      add(...web, '--backchannel-logout-uri', 'http://bad.example.com/logout'),
      add(...web, '--backchannel-logout-uri', 'https://bad.example.com/logout#x'),
      add(...web, '--logo-uri', 'http://bad.example.com/logo.png', '--client-uri', 'javascript:alert(1)'),
    ]);
    const [grant, conflict, method, ccPublic, ccNone, refreshOnly, noRedirect, serviceWithUsers, httpLogout, fragment, pages] = results;
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.ok(hasNoStackTrace(r), r.stderr);
      assert.match(r.stderr, /Run "jullix-idp client add --help"/);
    }
    assert.match(grant?.stderr ?? '', /--grant-type: "implicit" is not one of: authorization_code, refresh_token, client_credentials/);
    assert.match(conflict?.stderr ?? '', /--public: conflicts with --token-endpoint-auth-method client_secret_basic/);
    assert.match(method?.stderr ?? '', /--token-endpoint-auth-method: "private_key_jwt" is not one of: client_secret_basic, client_secret_post, none/);
    for (const r of [ccPublic, ccNone]) assert.match(r?.stderr ?? '', /--grant-type: client_credentials needs a confidential client/);
    assert.match(refreshOnly?.stderr ?? '', /--grant-type: refresh_token needs authorization_code as well/);
    assert.match(noRedirect?.stderr ?? '', /--redirect-uri: is required \(at least one\) for the authorization_code grant/);
    assert.match(serviceWithUsers?.stderr ?? '', /--redirect-uri: are only for clients that sign users in[\s\S]*--require-mfa: requiring the second factor is only/);
    assert.match(httpLogout?.stderr ?? '', /--backchannel-logout-uri: "http:\/\/bad\.example\.com\/logout" must use https/);
    assert.match(fragment?.stderr ?? '', /--backchannel-logout-uri: .* must not contain a fragment/);
    assert.match(pages?.stderr ?? '', /--logo-uri: .* must be an https URL[\s\S]*--client-uri: .* must be an https URL/);
    const names = jsonOf<ClientView[]>(await cli(['client', 'list', '--json'])).map((c) => c.client_name);
    assert.ok(!names.includes('Bad'), names.join());
  });

  test('a name that is empty, too long or has control characters (bidirectional and invisible ones too) exits 2', async () => {
    const add = (name: string) => cli(['client', 'add', '--name', name, '--redirect-uri', 'https://named.example.com/cb']);
    const [empty, long, control, bidi, zeroWidth, softHyphen] = await Promise.all([
      add('  '), add('x'.repeat(129)), add('Solar\tStats'), add('Jullix \u202elatroP'), add('Jullix\u200bPortal'), add('Jullix Por\u00adtal'),
    ]);
    for (const r of [empty, long, control, bidi, zeroWidth, softHyphen]) {
      assert.equal(r?.code, 2, r?.stderr);
      assert.ok(hasNoStackTrace(r), r.stderr);
    }
    assert.match(empty.stderr, /--name: must not be empty/);
    assert.match(long.stderr, /--name: must be at most 128 characters/);
    assert.match(control.stderr, /--name: must not contain control characters/);
    assert.match(bidi.stderr, /--name: must not contain bidirectional control characters/);
    assert.match(zeroWidth.stderr, /--name: must not contain invisible format characters such as U\+200B/);
    assert.match(softHyphen.stderr, /--name: must not contain invisible format characters such as U\+00AD/);
  });

  test('show and list print grant types, auth method, require-MFA, back-channel logout and first party', async () => {
    const [show, list] = await Promise.all([cli(['client', 'show', confidential.client_id]), cli(['client', 'list'])]);
    assert.match(show.stdout, /Type:\s+confidential \(client_secret_basic\)\nGrant types:\s+authorization_code, refresh_token\nFirst party:\s+yes/);
    assert.match(show.stdout, /Require MFA:\s+no\n/);
    assert.match(show.stdout, /Back-channel logout:\s+\(none\)/);
    assert.match(list.stdout, /^CLIENT ID\s+NAME\s+TYPE\s+GRANTS\s+FIRST PARTY\s+MFA\s+BACK-CHANNEL LOGOUT\s+REDIRECT URIS$/m);
    assert.match(list.stdout, /Service\s+confidential \(client_secret_basic\)\s+client_credentials\s+no\s+no\s+-\s*$/m);
    assert.match(list.stdout, /Strict\s+confidential \(client_secret_post\)\s+authorization_code,refresh_token\s+no\s+required\s+https:\/\/strict\.example\.com\/logout/);
  });

  test('remove deletes the client; removing an unknown one exits 1', async () => {
    const removed = await cli(['client', 'remove', spa.client_id]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed client .* \("SPA"\)/);
    const again = await cli(['client', 'remove', spa.client_id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no client with id/);
  });
});
