// The signing-key store on SQLite and PostgreSQL: a first start fills the table once even when
// instances race, keys are stored encrypted and bound to their kid, rotations cannot interleave.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { generateSigningKeys } from './keys.ts';
import { withTestDatabases } from '../db/test-database.ts';
import { isIdpError } from '../errors.ts';
import { manualClock } from '../security/clock.ts';
import { effectiveJwks } from './keys.ts';
import { createSigningKeyStore } from './keys-store.ts';

const H = 3600_000;

for (const backend of await withTestDatabases()) {
  describe(`signing key store on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: () => Promise<void>;
    const dataKey = randomBytes(32);
    const clock = manualClock(Date.UTC(2026, 10, 25, 12));
    before(async () => ({ db, cleanup } = await backend.open({ migrate: true })));
    after(() => cleanup());

    test('instances starting together on an empty table store one key set, the first seed\'s', async () => {
      const seeds = [generateSigningKeys(), generateSigningKeys(), generateSigningKeys()];
      const outcomes = await Promise.all(seeds.map((seed) => createSigningKeyStore(db, clock, [dataKey]).ensure(seed)));
      assert.equal(outcomes.filter((o) => o === 'imported').length, 1, outcomes.join());
      const stored = await createSigningKeyStore(db, clock, [dataKey]).list();
      const winner = seeds[outcomes.indexOf('imported')]!;
      assert.deepEqual(stored.map((k) => [k.kid, k.alg, k.generation]), winner.keys.map((k) => [k.kid, k.alg, 0]));
      assert.equal(await createSigningKeyStore(db, clock, [dataKey]).ensure(generateSigningKeys()), 'existing');
    });

    test('private keys are stored encrypted and only decrypt on their own row', async () => {
      const rows = await db('signing_keys').select('kid', 'private_jwk_ciphertext') as Array<{ kid: string; private_jwk_ciphertext: string }>;
      const store = createSigningKeyStore(db, clock, [dataKey]);
      const loaded = await store.loadPublished();
      for (const r of rows) {
        const jwk = loaded.find((k) => k.kid === r.kid)?.jwk;
        assert.ok(typeof jwk?.d === 'string' && !r.private_jwk_ciphertext.includes(jwk.d), 'the private exponent is not stored in the clear');
      }
      const [a, b] = rows;
      await db('signing_keys').where({ kid: a!.kid }).update({ private_jwk_ciphertext: b!.private_jwk_ciphertext });
      await assert.rejects(store.loadPublished(), (err) => isIdpError(err, 'config_invalid') && err.message.includes(`signing key ${a!.kid} cannot be decrypted`));
      await db('signing_keys').where({ kid: a!.kid }).update({ private_jwk_ciphertext: a!.private_jwk_ciphertext });
      await assert.rejects(createSigningKeyStore(db, clock, [randomBytes(32)]).loadPublished(), /DATA_ENCRYPTION_KEYS must still hold the key/);
    });

    test('of two rotations at once one wins, the other is refused, and one key per alg signs', async () => {
      const results = await Promise.allSettled([0, 1].map(() => createSigningKeyStore(db, clock, [dataKey]).rotate(['RS256', 'ES256'], H, 2 * H)));
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected');
      assert.ok(refused && isIdpError(refused.reason, 'conflict'), String(refused?.reason));
      const store = createSigningKeyStore(db, clock, [dataKey]);
      assert.equal((await store.list()).length, 4);
      clock.advance(H);
      const signing = effectiveJwks(await store.loadPublished(), clock.now()).keys.filter((k) => k.key_ops === undefined);
      assert.deepEqual(signing.map((k) => k.alg), ['RS256', 'ES256']);
    });

    test('a rotation deletes keys that have left the JWKS', async () => {
      const store = createSigningKeyStore(db, clock, [dataKey]);
      clock.advance(2 * H);
      const { deleted } = await store.rotate(['RS256'], H, 2 * H);
      assert.equal(deleted, 2, 'the generation-0 keys, removed from the JWKS an hour ago');
      assert.deepEqual((await store.list()).map((k) => [k.alg, k.generation]), [['RS256', 1], ['ES256', 1], ['RS256', 2]]);
    });

    test('remove: a retired (say leaked) key leaves the JWKS at once; a key that signs is refused', async () => {
      const store = createSigningKeyStore(db, clock, [dataKey]);
      const gen = (alg: string, generation: number) => store.list().then((keys) => keys.find((k) => k.alg === alg && k.generation === generation)!.kid);
      const [oldRs, es] = [await gen('RS256', 1), await gen('ES256', 1)];
      await assert.rejects(store.remove(es), (err) => isIdpError(err, 'conflict') && /signs now/.test(err.message));
      clock.advance(H); // RS256 generation 2 signs now; generation 1 is retired but still published
      assert.ok((await store.loadPublished()).some((k) => k.kid === oldRs));
      await store.remove(oldRs);
      assert.ok(!(await store.loadPublished()).some((k) => k.kid === oldRs), 'gone from the JWKS');
      await assert.rejects(store.remove(await gen('RS256', 2)), (err) => isIdpError(err, 'conflict'));
      await assert.rejects(store.remove('no-such-kid'), (err) => isIdpError(err, 'not_found'));
    });
  });
}
