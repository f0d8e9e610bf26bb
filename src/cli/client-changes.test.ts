// `jullix-idp client update | rotate-secret` end to end: the real command in a child process
// against one fresh DATA_DIR, checking what the provider's table holds afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FIRST_PARTY } from '../provider/client-metadata.ts';
import type { ClientView } from './client-view.ts';
import { hasNoStackTrace, jsonOf, runCli, tempDataDir, type CliResult, withDatabase } from './test-support.ts';

type AddedClient = ClientView & { client_secret?: string };

describe('jullix-idp client update and rotate-secret', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (args: string[]): Promise<CliResult> => runCli(dir, args);
  let web: AddedClient;
  let spa: AddedClient;
  let service: AddedClient;

  /** The stored payload (with its secret) and the audit records about the client, oldest first. */
  const stored = (clientId: string) => withDatabase(dir, async (db) => {
    const row = await db('oidc_models').where({ model: 'Client', id: clientId }).first();
    const audit = await db('audit_log').where('client_id', clientId).orderBy('id').select('event', 'detail');
    return { payload: JSON.parse(String(row?.payload)) as Record<string, unknown>, audit: audit as Array<{ event: string; detail: string }> };
  });

  before(async () => {
    ({ dir, cleanup } = await tempDataDir());
    const add = async (...args: string[]) => {
      const result = await cli(['client', 'add', ...args, '--json']);
      assert.equal(result.code, 0, result.stderr);
      return jsonOf<AddedClient>(result);
    };
    web = await add('--name', 'Portal', '--redirect-uri', 'https://portal.example.com/cb', '--post-logout-redirect-uri', 'https://portal.example.com/', '--first-party');
    [spa, service] = await Promise.all([
      add('--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--public'),
      add('--name', 'Service', '--grant-type', 'client_credentials'),
    ]);
  });
  after(() => cleanup());

  test('update changes only what is given; a given --redirect-uri list replaces the list; the secret stays', async () => {
    const result = await cli(['client', 'update', web.client_id, '--name', 'Portal 2', '--redirect-uri', 'https://portal.example.com/new',
      '--redirect-uri', 'http://localhost:8080/cb', '--require-mfa', '--backchannel-logout-uri', 'https://portal.example.com/logout', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const view = jsonOf<ClientView>(result);
    assert.equal(view.client_name, 'Portal 2');
    assert.deepEqual(view.redirect_uris, ['https://portal.example.com/new', 'http://localhost:8080/cb']);
    assert.deepEqual(view.post_logout_redirect_uris, ['https://portal.example.com/'], 'not given, so kept');
    assert.equal(view.first_party, true, 'not given, so kept');
    assert.equal(view.require_mfa, true);
    assert.equal(view.backchannel_logout_uri, 'https://portal.example.com/logout');
    const { payload, audit } = await stored(web.client_id);
    assert.equal(payload['client_secret'], web.client_secret);
    assert.deepEqual(payload['default_acr_values'], ['aal2']);
    assert.equal(payload['backchannel_logout_session_required'], true);
    const updated = audit.filter((a) => a.event === 'client.updated');
    assert.equal(updated.length, 1);
    assert.match(updated[0]?.detail ?? '', /"changed":"backchannel_logout_session_required,backchannel_logout_uri,client_name,default_acr_values,jullix_require_mfa,redirect_uris"/);
    assert.match(updated[0]?.detail ?? '', /"via":"cli"/);
  });

  test('the --no- flags and --third-party remove settings; a change that does nothing says so, unaudited', async () => {
    const off = await cli(['client', 'update', web.client_id, '--no-require-mfa', '--no-backchannel-logout', '--third-party', '--logo-uri', 'https://cdn.example.com/p.png']);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /^Updated client "Portal 2": backchannel_logout_session_required, backchannel_logout_uri, default_acr_values, jullix_first_party, jullix_require_mfa, logo_uri\./);
    assert.match(off.stdout, /First party:\s+no\n/);
    const { payload } = await stored(web.client_id);
    for (const key of ['default_acr_values', 'jullix_require_mfa', 'backchannel_logout_uri', 'backchannel_logout_session_required', FIRST_PARTY]) assert.equal(key in payload, false, key);
    assert.equal(payload['logo_uri'], 'https://cdn.example.com/p.png');

    const same = await cli(['client', 'update', web.client_id, '--name', 'Portal 2', '--third-party']);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /^Nothing changed: client "Portal 2" already has these settings\./);
    assert.equal((await stored(web.client_id)).audit.filter((a) => a.event === 'client.updated').length, 2);
  });

  test('--no-logo-uri, --no-client-uri and --no-post-logout-redirect-uri remove what an operator could set but not unset', async () => {
    const set = await cli(['client', 'update', spa.client_id, '--logo-uri', 'https://spa.example.com/l.png', '--client-uri', 'https://spa.example.com/', '--post-logout-redirect-uri', 'https://spa.example.com/bye']);
    assert.equal(set.code, 0, set.stderr);
    const off = await cli(['client', 'update', spa.client_id, '--no-logo-uri', '--no-client-uri', '--no-post-logout-redirect-uri', '--json']);
    assert.equal(off.code, 0, off.stderr);
    const { payload } = await stored(spa.client_id);
    for (const key of ['logo_uri', 'client_uri']) assert.equal(key in payload, false, key);
    assert.deepEqual(payload['post_logout_redirect_uris'], []);
    const both = await cli(['client', 'update', spa.client_id, '--logo-uri', 'https://spa.example.com/l.png', '--no-logo-uri']);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--logo-uri: conflicts with --no-logo-uri/);
    assert.ok(hasNoStackTrace(both), both.stderr);
  });

  test('update: usage errors exit 2, an unknown client exits 1, a result the rules refuse exits 2', async () => {
    const update = (...args: string[]) => cli(['client', 'update', ...args]);
    const [nothing, mfa, logout, party, badUri, unknown, serviceRedirect, missingId] = await Promise.all([
      update(web.client_id),
      update(web.client_id, '--require-mfa', '--no-require-mfa'),
      update(web.client_id, '--backchannel-logout-uri', 'https://a.example/l', '--no-backchannel-logout'),
      update(web.client_id, '--first-party', '--third-party'),
      update(web.client_id, '--redirect-uri', 'http://evil.example/cb'),
      update('0'.repeat(32), '--name', 'Ghost'),
      update(service.client_id, '--redirect-uri', 'https://service.example.com/cb'),
      update('--name', 'x'),
    ]);
    for (const r of [nothing, mfa, logout, party, badUri, serviceRedirect, missingId]) assert.equal(r.code, 2, r.stderr);
    assert.equal(unknown.code, 1, unknown.stderr);
    for (const r of [nothing, mfa, logout, party, badUri, unknown, serviceRedirect]) assert.ok(hasNoStackTrace(r), r.stderr);
    assert.match(nothing.stderr, /nothing to change: give at least one option/);
    assert.match(mfa.stderr, /--require-mfa: conflicts with --no-require-mfa/);
    assert.match(logout.stderr, /--backchannel-logout-uri: conflicts with --no-backchannel-logout/);
    assert.match(party.stderr, /--first-party: conflicts with --third-party/);
    assert.match(badUri.stderr, /--redirect-uri: "http:\/\/evil\.example\/cb" must use https/);
    assert.match(unknown.stderr, /no client with id "0{32}"/);
    assert.match(serviceRedirect.stderr, /redirect_uris: are only for clients that sign users in/);
    assert.match(missingId.stderr, /missing <client_id>/);
    assert.equal((await stored(service.client_id)).payload['redirect_uris'], undefined);
  });

  test('rotate-secret prints a new secret once, replaces the stored one and audits without it', async () => {
    const [json, text] = await Promise.all([cli(['client', 'rotate-secret', web.client_id, '--json']), cli(['client', 'rotate-secret', service.client_id])]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(text.code, 0, text.stderr);
    const rotated = jsonOf<{ client_id: string; client_secret: string }>(json);
    assert.equal(rotated.client_id, web.client_id);
    assert.match(rotated.client_secret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(json.stderr, /shown only this once; the old one no longer works/);
    assert.match(text.stdout, /^New secret for client "Service"\.\nClient ID:\s+[0-9a-f]{32}\nClient secret:\s+[A-Za-z0-9_-]{43}\n$/);
    const { payload, audit } = await stored(web.client_id);
    assert.equal(payload['client_secret'], rotated.client_secret);
    assert.notEqual(rotated.client_secret, web.client_secret, 'the old secret is gone');
    const record = audit.find((a) => a.event === 'client.secret_rotated');
    assert.ok(record !== undefined);
    assert.ok(!record.detail.includes(rotated.client_secret) && !record.detail.includes(String(web.client_secret)));
  });

  test('rotate-secret: a public client or an unknown one exits 1', async () => {
    const [pub, unknown] = await Promise.all([cli(['client', 'rotate-secret', spa.client_id]), cli(['client', 'rotate-secret', 'f'.repeat(32)])]);
    assert.equal(pub.code, 1, pub.stderr);
    assert.match(pub.stderr, /is public \(token_endpoint_auth_method none\): it has no secret to rotate/);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /no client with id/);
    assert.equal((await stored(spa.client_id)).payload['client_secret'], undefined);
  });
});
