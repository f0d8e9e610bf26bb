// Signing keys in the database, shared by every instance: the first start fills an empty table,
// `keys rotate` adds the next generation. Private keys are encrypted with the data-encryption key
// and bound to their kid, so a ciphertext copied onto another row does not decrypt.
import type { Knex } from 'knex';
import type { JWK } from 'oidc-provider';
import { toMillis, toMillisOrNull, uniqueViolationOf } from '../db/rows.ts';
import { IdpError } from '../errors.ts';
import type { Clock } from '../security/clock.ts';
import { decryptSecret, encryptSecret, needsReencryption, type SecretBinding } from '../security/encryption.ts';
import { generateSigningKey, isSigningAlg, keyState, planRotation, SIGNING_ALGS, type Jwks, type SigningAlg, type SigningKey, type SigningKeyWithSecret } from './keys.ts';

interface Row {
  kid: string;
  alg: string;
  generation: number | string;
  private_jwk_ciphertext: string;
  created_at: number | string;
  activates_at: number | string;
  retires_at: number | string | null;
  removes_at: number | string | null;
}

export interface SigningKeyStore {
  /** Every stored key, oldest generation first, without its private part. */
  list(): Promise<SigningKey[]>;
  /** Every key still published, decrypted. */
  loadPublished(): Promise<SigningKeyWithSecret[]>;
  /**
   * Fills an empty table: with `seed`'s first RS256 and ES256 keys when given (DATA_DIR/secrets.json,
   * so tokens they signed keep verifying), else with new keys. Safe when instances start together.
   */
  ensure(seed: Jwks | undefined): Promise<'existing' | 'imported' | 'generated'>;
  /** Adds the next generation of `algs`, activating after `delayMs`; deletes expired keys. */
  rotate(algs: readonly SigningAlg[], delayMs: number, keepMs: number): Promise<{ added: SigningKey[]; retired: SigningKey[]; deleted: number }>;
  /**
   * Deletes a key that does not sign (a leaked one, or one no longer wanted): instances drop it from
   * the JWKS at their next reload. An active key must first be rotated out.
   */
  remove(kid: string): Promise<SigningKey>;
  /** Re-encrypts private keys sealed under an older data-encryption key. */
  reencrypt(): Promise<{ reencrypted: number; remaining: number }>;
}

/** The binding (AAD) of a key's ciphertext: its kid, under a label no user id can equal (those are UUIDs). */
function binding(kid: string): SecretBinding {
  return { userId: 'signing-key', credentialId: kid };
}

function toKey(row: Row): SigningKey {
  if (!isSigningAlg(row.alg)) throw new IdpError('internal', `signing key ${row.kid} has an unsupported alg`, { detail: { alg: row.alg } });
  return {
    kid: row.kid, alg: row.alg, generation: Number(row.generation), createdAt: toMillis(row.created_at),
    activatesAt: toMillis(row.activates_at), retiresAt: toMillisOrNull(row.retires_at), removesAt: toMillisOrNull(row.removes_at),
  };
}

/** An insert that lost a race on a unique key: PostgreSQL 23505, SQLite SQLITE_CONSTRAINT. */
/** The first key of each supported alg in `seed`, as a secrets.json generated them. */
function seedKeys(seed: Jwks): Array<{ alg: SigningAlg; jwk: JWK }> {
  return SIGNING_ALGS.flatMap((alg) => {
    const jwk = seed.keys.find((k) => k.alg === alg && typeof k.kid === 'string' && k.d !== undefined);
    return jwk ? [{ alg, jwk }] : [];
  });
}

/**
 * Every stored key, oldest generation first, without its private part: reading needs no
 * data-encryption key, so `keys list` resolves none (outside production, resolving them makes
 * DATA_DIR/secrets.json; a command that only prints must not).
 */
export async function listSigningKeys(db: Knex): Promise<SigningKey[]> {
  return (await db<Row>('signing_keys')).map(toKey)
    .sort((a, b) => a.generation - b.generation || SIGNING_ALGS.indexOf(a.alg) - SIGNING_ALGS.indexOf(b.alg));
}

/** `dataKeys`: newest first; the first encrypts, all decrypt. */
export function createSigningKeyStore(db: Knex, clock: Clock, dataKeys: readonly Buffer[]): SigningKeyStore {
  const table = (trx: Knex | Knex.Transaction = db) => trx<Row>('signing_keys');
  const sealKey = dataKeys[0];
  if (!sealKey) throw new IdpError('config_invalid', 'no data-encryption key configured');
  const row = (alg: SigningAlg, generation: number, jwk: JWK, activatesAt: number): Row => {
    const kid = String(jwk.kid);
    return {
      kid, alg, generation, private_jwk_ciphertext: encryptSecret(sealKey, JSON.stringify({ ...jwk, alg, use: 'sig' }), binding(kid)),
      created_at: clock.now(), activates_at: activatesAt, retires_at: null, removes_at: null,
    };
  };
  const list = () => listSigningKeys(db);
  return {
    list,
    async loadPublished() {
      const now = clock.now();
      const rows = (await table()).filter((r) => keyState(toKey(r), now) !== 'expired');
      return rows.map((r) => {
        let jwk: JWK;
        try {
          jwk = JSON.parse(decryptSecret(dataKeys, r.private_jwk_ciphertext, binding(r.kid))) as JWK;
        } catch (cause) {
          throw new IdpError('config_invalid', `signing key ${r.kid} cannot be decrypted: DATA_ENCRYPTION_KEYS must still hold the key it was sealed with (run "jullix-idp secrets reencrypt" before removing an old key)`, { expose: true, cause });
        }
        return { ...toKey(r), jwk };
      });
    },
    async ensure(seed) {
      if (await table().first('kid')) return 'existing';
      const imported = seed === undefined ? [] : seedKeys(seed);
      const chosen = imported.some((k) => k.alg === 'RS256') ? imported : SIGNING_ALGS.map((alg) => ({ alg, jwk: generateSigningKey(alg) }));
      try {
        // Generation 0 of each alg is unique: of instances starting together, one insert wins.
        await db.transaction(async (trx) => {
          await table(trx).insert(chosen.map(({ alg, jwk }) => row(alg, 0, jwk, clock.now())));
        });
      } catch (err) {
        if (uniqueViolationOf(err) === undefined) throw err;
        return 'existing';
      }
      return chosen === imported ? 'imported' : 'generated';
    },
    async rotate(algs, delayMs, keepMs) {
      const now = clock.now();
      const plan = planRotation(await list(), algs, now, delayMs, keepMs);
      const added = plan.add.map((a) => ({ ...a, jwk: generateSigningKey(a.alg) }));
      let deleted = 0;
      try {
        await db.transaction(async (trx) => {
          await table(trx).insert(added.map((a) => row(a.alg, a.generation, a.jwk, a.activatesAt)));
          for (const r of plan.retire) {
            // Only a key nobody retired meanwhile: a concurrent rotation fails here or on the insert.
            const changed = await table(trx).where({ kid: r.kid }).whereNull('retires_at').update({ retires_at: r.retiresAt, removes_at: r.removesAt });
            if (changed !== 1) throw new IdpError('conflict', 'another rotation changed the keys meanwhile; run "jullix-idp keys list" and try again', { expose: true });
          }
          deleted = await table(trx).where('removes_at', '<=', now).delete();
        });
      } catch (err) {
        if (uniqueViolationOf(err) !== undefined) throw new IdpError('conflict', 'another rotation added keys meanwhile; run "jullix-idp keys list" and try again', { expose: true, cause: err });
        throw err;
      }
      const after = await list();
      const kids = (ks: Array<{ kid: string }>) => new Set(ks.map((k) => k.kid));
      const addedKids = kids(added.map((a) => ({ kid: String(a.jwk.kid) })));
      const retiredKids = kids(plan.retire);
      return { added: after.filter((k) => addedKids.has(k.kid)), retired: after.filter((k) => retiredKids.has(k.kid)), deleted };
    },
    async remove(kid) {
      const found = await table().where({ kid }).first();
      if (!found) throw new IdpError('not_found', `no signing key ${kid}; see "jullix-idp keys list"`, { expose: true });
      const key = toKey(found);
      const now = clock.now();
      const state = keyState(key, now);
      if (state === 'active') {
        throw new IdpError('conflict', `key ${kid} signs now: run "jullix-idp keys rotate --alg ${key.alg} --activate-after 5m" and remove it once the new key has activated`, { expose: true });
      }
      await db.transaction(async (trx) => {
        // Conditional on the state at the moment of the delete (the clock read again, not the `now`
        // above): a `next` key that activated meanwhile may already have signed, so it is kept.
        const at = clock.now();
        const deleted = state === 'next'
          ? await table(trx).where({ kid }).where('activates_at', '>', at).delete()
          : await table(trx).where({ kid }).where('retires_at', '<=', at).delete();
        if (deleted !== 1) throw new IdpError('conflict', `key ${kid} changed meanwhile; run "jullix-idp keys list" and try again`, { expose: true });
        // Cancelling a rotation: the key it would have replaced goes on signing, and is not removed.
        if (state === 'next') {
          await table(trx).where({ alg: key.alg, retires_at: key.activatesAt }).update({ retires_at: null, removes_at: null });
        }
      });
      return key;
    },
    async reencrypt() {
      let reencrypted = 0;
      for (const r of await table()) {
        if (!needsReencryption(sealKey, r.private_jwk_ciphertext)) continue;
        const fresh = encryptSecret(sealKey, decryptSecret(dataKeys, r.private_jwk_ciphertext, binding(r.kid)), binding(r.kid));
        reencrypted += await table().where({ kid: r.kid, private_jwk_ciphertext: r.private_jwk_ciphertext }).update({ private_jwk_ciphertext: fresh });
      }
      const remaining = (await table()).filter((r) => needsReencryption(sealKey, r.private_jwk_ciphertext)).length;
      return { reencrypted, remaining };
    },
  };
}
