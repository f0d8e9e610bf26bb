// A client added by the CLI is accepted by a running IdP on the same DATA_DIR at once, and stops
// being accepted once removed: the CLI writes exactly what oidc-provider's adapter reads.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startIdp, type RunningIdp } from '../server.ts';
import { jsonOf, runCli, tempDataDir } from './test-support.ts';

/** A port free right now: the issuer must name the port the server will listen on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('a client added by the CLI', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let idp: RunningIdp;
  before(async () => {
    ({ dir, cleanup } = await tempDataDir());
    const port = await freePort();
    idp = await startIdp({ env: { PORT: String(port), ISSUER: `http://localhost:${port}`, DATA_DIR: dir, LOG_LEVEL: 'silent' } });
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
});
