// backup makes a copy a restored server signs in with; secrets reencrypt moves TOTP secrets to
// the newest key (resumably) without breaking sign-in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { runCli } from './test-support.ts';
import { TestBrowser } from '../testing/browser.ts';
import { discover, passwordSignIn } from '../testing/relying-party.ts';
import { startIdp } from '../server.ts';
import { freePort } from '../testing/harness.ts';
import { createTotpCredentialStore } from '../factors/totp-credentials.ts';
import { generateTotpSecret } from '../factors/totp.ts';
import { systemClock } from '../security/clock.ts';
import { keyIdOf } from '../security/encryption.ts';

const REDIRECT = 'http://127.0.0.1:8770/callback';

describe('backup and restore', () => {
  let idp: TestIdp;
  let scratch: string;
  before(async () => {
    idp = await startTestIdp();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'jullix-backup-'));
    await idp.addUser({ username: 'bea', password: 'bea-password-1' });
    await idp.addClient({ client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true });
  });
  after(async () => { await idp.stop(); await rm(scratch, { recursive: true, force: true }); });

  test('a backup taken while the server runs restores into a working IdP', async () => {
    const file = path.join(scratch, 'copy.sqlite');
    const made = await runCli(idp.dataDir, ['backup', file, '--json']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await runCli(idp.dataDir, ['backup', file])).code, 1, 'never overwrites');
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'a copy of the database is as private as the database');
    const restored = path.join(scratch, 'restored');
    await mkdir(restored);
    await copyFile(file, path.join(restored, 'jullix-idp.sqlite'));
    await copyFile(path.join(idp.dataDir, 'secrets.json'), path.join(restored, 'secrets.json'));
    const port = await freePort();
    const second = await startIdp({ env: { PORT: String(port), ISSUER: `http://localhost:${port}`, DATA_DIR: restored, LOG_LEVEL: 'silent' } });
    try {
      const rp = { issuer: second.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
      const tokens = await passwordSignIn(new TestBrowser(), await discover(rp), rp, 'bea', 'bea-password-1');
      assert.equal(tokens.claims()?.acr, 'aal1');
    } finally {
      await second.close();
    }
  });

  test('a backup into a folder that does not exist says so, without a stack trace or a file', async () => {
    const file = path.join(scratch, 'no-such-folder', 'copy.sqlite');
    const made = await runCli(idp.dataDir, ['backup', file]);
    assert.equal(made.code, 1, made.stderr);
    assert.match(made.stderr, /no-such-folder does not exist: create the folder first/);
    assert.doesNotMatch(made.stderr, /ENOENT|unexpected error|\n\s+at /);
  });

  test('secrets reencrypt moves every TOTP secret to the new key and can run again', async () => {
    const secretsFile = path.join(idp.dataDir, 'secrets.json');
    const stored = JSON.parse(await readFile(secretsFile, 'utf8')) as { dataEncryptionKeys: string[] };
    const oldKey = Buffer.from(stored.dataEncryptionKeys[0]!, 'base64');
    const users = await Promise.all(['r1', 'r2', 'r3'].map((u) => idp.addUser({ username: u, password: `${u}-password-x` })));
    const totp = createTotpCredentialStore(idp.db, systemClock, [oldKey]);
    for (const u of users) await totp.enrol(u.id, generateTotpSecret(), 1);
    const newKey = randomBytes(32);
    const env = { DATA_ENCRYPTION_KEYS: `${newKey.toString('base64')},${oldKey.toString('base64')}` };
    const first = await runCli(idp.dataDir, ['secrets', 'reencrypt', '--batch-size', '2', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as { reencrypted: number; remaining: number };
    assert.deepEqual([report.reencrypted, report.remaining], [3, 0]);
    const rows = await idp.db('totp_credentials').select('secret_ciphertext') as Array<{ secret_ciphertext: string }>;
    assert.ok(rows.every((r) => r.secret_ciphertext.split('.')[1] === keyIdOf(newKey)));
    const again = JSON.parse((await runCli(idp.dataDir, ['secrets', 'reencrypt', '--json'], { env })).stdout) as { reencrypted: number };
    assert.equal(again.reencrypted, 0);
    const onlyNew = createTotpCredentialStore(idp.db, systemClock, [newKey]);
    assert.ok((await onlyNew.find(users[0]!.id))?.secret, 'readable with the new key alone');
  });
});

test('backup with DATABASE_URL points at pg_dump before it connects (so it never migrates that database)', async () => {
  // The ops review ran it against a live PostgreSQL database: it applied every migration, then refused.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jullix-backup-pg-'));
  try {
    const file = path.join(dir, 'copy.sqlite');
    const r = await runCli(dir, ['backup', file], { env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unreachable' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /use pg_dump/);
    assert.doesNotMatch(r.stderr, /cannot connect/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
