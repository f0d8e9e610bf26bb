// `jullix-idp client ...` end to end: the real command in a child process against a fresh DATA_DIR.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../db/connection.ts';
import { FIRST_PARTY } from '../provider/client-metadata.ts';
import type { ClientView } from './client-view.ts';
import { hasNoStackTrace, jsonOf, runCli, tempDataDir, type CliResult } from './test-support.ts';

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

    const db = await openDatabase({ dataDir: dir });
    try {
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
    } finally {
      await db.destroy();
    }
  });

  test('add --public prints a client without a secret, readably', async () => {
    const result = await cli(['client', 'add', '--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--public']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Registered client "SPA"\.\nClient ID:\s+[0-9a-f]{32}\nName:\s+SPA\nType:\s+public \(no secret, PKCE required\)/);
    assert.doesNotMatch(result.stdout + result.stderr, /secret:|shown only this once/);
    assert.match(result.stdout, /Redirect URIs:\s+https:\/\/spa\.example\.com\/cb/);
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

  test('remove deletes the client; removing an unknown one exits 1', async () => {
    const removed = await cli(['client', 'remove', spa.client_id]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed client .* \("SPA"\)/);
    const again = await cli(['client', 'remove', spa.client_id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no client with id/);
  });
});
