// The watcher: it wakes at a key's activation even between its regular reloads, and a reload that
// fails keeps the keys in use (and says so in the log).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import type { Secrets } from '../config/secrets.ts';
import { withTestDatabases } from '../db/test-database.ts';
import { createLogger } from '../log.ts';
import { manualClock, systemClock } from '../security/clock.ts';
import { fingerprint, type Jwks } from './keys.ts';
import { openKeyRing, type SigningKeyRing } from './keys-ring.ts';
import { createSigningKeyStore } from './keys-store.ts';

const [sqlite] = await withTestDatabases();

describe('signing key watcher', () => {
  let db: Knex;
  let cleanup: () => Promise<void>;
  let ring: SigningKeyRing;
  const lines: string[] = [];
  const dataKey = randomBytes(32);
  const secrets: Secrets = { jwks: undefined, cookieKeys: [], dataEncryptionKeys: [dataKey], source: 'environment' };
  before(async () => {
    ({ db, cleanup } = await sqlite!.open({ migrate: true }));
    ring = await openKeyRing({ secrets, db, clock: systemClock, logger: createLogger('debug', {}, (l) => lines.push(l)) });
  });
  after(async () => { ring.stop(); await cleanup(); });

  test('a key activates on time although the regular reload is an hour away', async () => {
    const changes: Jwks[] = [];
    ring.onChange((jwks) => changes.push(jwks));
    const { added } = await createSigningKeyStore(db, systemClock, [dataKey]).rotate(['RS256'], 400, 3600_000);
    assert.equal(await ring.refresh(), true, 'published as next');
    ring.start(3600_000);
    const started = Date.now();
    while (changes.length < 2 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(changes.length, 2);
    assert.match(fingerprint(changes[1]!), new RegExp(`^${added[0]!.kid}:sign,`), 'the new key signs');
    assert.ok(lines.some((l) => l.includes('signing keys changed')));
  });

  test('a reload that fails keeps the keys in use and logs why', async () => {
    ring.stop();
    const before = fingerprint(ring.jwks());
    const row = await db('signing_keys').first('kid', 'private_jwk_ciphertext') as { kid: string; private_jwk_ciphertext: string };
    await db('signing_keys').where({ kid: row.kid }).update({ private_jwk_ciphertext: 'v1.garbage' });
    await assert.rejects(ring.refresh(), /cannot be decrypted/);
    assert.equal(fingerprint(ring.jwks()), before);
    ring.start(50);
    const started = Date.now();
    while (!lines.some((l) => l.includes('signing keys could not be reloaded')) && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(lines.some((l) => l.includes('signing keys could not be reloaded')));
    assert.equal(fingerprint(ring.jwks()), before);
  });
});

describe('signing key watcher when the new provider cannot be built', () => {
  test('the change is not settled: the next reload tries again', async () => {
    const { db, cleanup } = await sqlite!.open({ migrate: true });
    const dataKey = randomBytes(32);
    const secrets: Secrets = { jwks: undefined, cookieKeys: [], dataEncryptionKeys: [dataKey], source: 'environment' };
    const ring = await openKeyRing({ secrets, db, clock: systemClock, logger: createLogger('silent') });
    try {
      let failures = 1;
      const built: Jwks[] = [];
      ring.onChange((jwks) => {
        if (failures-- > 0) throw new Error('provider refused the keys');
        built.push(jwks);
      });
      const before = fingerprint(ring.jwks());
      await createSigningKeyStore(db, systemClock, [dataKey]).rotate(['RS256'], 3600_000, 3600_000);
      await assert.rejects(ring.refresh(), /provider refused the keys/);
      assert.equal(fingerprint(ring.jwks()), before, 'the ring still reports the keys the live provider has');
      assert.equal(await ring.refresh(), true, 'retried and built');
      assert.equal(built.length, 1);
      assert.notEqual(fingerprint(ring.jwks()), before);
    } finally {
      ring.stop();
      await cleanup();
    }
  });
});

describe('how long the reloads have been failing', () => {
  test('the first failure of a run is kept until a reload works again', async () => {
    const { db, cleanup } = await sqlite!.open({ migrate: true });
    const dataKey = randomBytes(32);
    const secrets: Secrets = { jwks: undefined, cookieKeys: [], dataEncryptionKeys: [dataKey], source: 'environment' };
    const clock = manualClock(Date.parse('2026-12-01T10:00:00.000Z'));
    const ring = await openKeyRing({ secrets, db, clock, logger: createLogger('silent') });
    try {
      assert.equal(ring.reloadFailingSince(), undefined);
      const row = await db('signing_keys').first('kid', 'private_jwk_ciphertext') as { kid: string; private_jwk_ciphertext: string };
      await db('signing_keys').where({ kid: row.kid }).update({ private_jwk_ciphertext: 'v1.garbage' });
      await assert.rejects(ring.refresh(), /cannot be decrypted/);
      const firstFailure = clock.now();
      clock.advance(30_000);
      await assert.rejects(ring.refresh(), /cannot be decrypted/);
      assert.equal(ring.reloadFailingSince(), firstFailure, 'since the first failure, not the latest');
      await db('signing_keys').where({ kid: row.kid }).update({ private_jwk_ciphertext: row.private_jwk_ciphertext });
      clock.advance(30_000);
      assert.equal(await ring.refresh(), false);
      assert.equal(ring.reloadFailingSince(), undefined, 'a reload that works ends the run');
    } finally {
      ring.stop();
      await cleanup();
    }
  });
});
