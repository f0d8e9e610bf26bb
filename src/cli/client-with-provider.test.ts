// A client added by the CLI is accepted by a running IdP on the same DATA_DIR at once, takes a
// rotated secret at once, and stops being accepted once removed: the CLI writes exactly what
// oidc-provider's adapter reads.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RunningIdp } from '../server.ts';
import { jsonOf, runCli, startIdpIn, tempDataDir } from './test-support.ts';

describe('a client added by the CLI', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let idp: RunningIdp;
  before(async () => {
    ({ dir, cleanup } = await tempDataDir());
    idp = await startIdpIn(dir);
  });
  after(async () => {
    await idp?.close();
    await cleanup();
  });

  const authorize = (clientId: string, redirectUri: string) => {
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: 'st',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return fetch(`${idp.url}/auth?${params}`, { redirect: 'manual' });
  };

  test('starts a sign-in at the running provider, and is refused once removed', async () => {
    const redirectUri = 'http://localhost:8080/callback';
    const added = await runCli(dir, ['client', 'add', '--name', 'Portal', '--redirect-uri', redirectUri, '--first-party', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const { client_id: clientId } = jsonOf<{ client_id: string }>(added);

    const response = await authorize(clientId, redirectUri);
    assert.equal(response.status, 303, await response.text());
    const location = new URL(response.headers.get('location') ?? '', idp.url);
    assert.match(location.pathname, /^\/interaction\/[\w-]+$/, `not an interaction: ${location.href}`);

    assert.equal((await runCli(dir, ['client', 'remove', clientId])).code, 0);
    const refused = await authorize(clientId, redirectUri);
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /invalid_client|client is invalid/);
  });

  test('a service client gets tokens with its secret; after rotate-secret only the new one works', async () => {
    const added = await runCli(dir, ['client', 'add', '--name', 'Reporting job', '--grant-type', 'client_credentials', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const { client_id: clientId, client_secret: oldSecret } = jsonOf<{ client_id: string; client_secret: string }>(added);
    const token = (secret: string) => fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const before = await token(oldSecret);
    assert.equal(before.status, 200, await before.text());

    const rotated = await runCli(dir, ['client', 'rotate-secret', clientId, '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const { client_secret: newSecret } = jsonOf<{ client_secret: string }>(rotated);
    assert.equal((await token(oldSecret)).status, 401, 'the old secret stops working at once');
    const after = await token(newSecret);
    assert.equal(after.status, 200, await after.text());
  });
});
