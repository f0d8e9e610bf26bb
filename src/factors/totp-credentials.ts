// Stored TOTP credentials: the secret encrypted and bound to its user and credential ids, and the
// last accepted time step, advanced with one conditional UPDATE so a code is accepted only once
// even when two submissions race (RFC 6238 §5.2), on one instance or many.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { sqlRunner } from '../db/prepared.ts';
import { toMillis } from '../db/rows.ts';
import { IdpError } from '../errors.ts';
import type { Clock } from '../security/clock.ts';
import { decryptSecret, encryptSecret } from '../security/encryption.ts';

export interface TotpCredential { id: string; userId: string; secret: string; lastUsedStep: number | null; createdAt: number }

interface Row { id: string; user_id: string; secret_ciphertext: string; last_used_step: number | string | null; created_at: number | string }

export interface TotpCredentialStore {
  find(userId: string): Promise<TotpCredential | undefined>;
  has(userId: string): Promise<boolean>;
  /** Saves a newly proven secret; `provenStep` is the step of the code that proved it (not reusable). */
  enrol(userId: string, secret: string, provenStep: number): Promise<void>;
  /** True when `step` is newer than the last accepted one, and records it; false means replay. */
  acceptStep(credentialId: string, step: number): Promise<boolean>;
  remove(userId: string): Promise<boolean>;
  /** Users (ids) that have a credential, for listings. */
  userIdsWithTotp(): Promise<Set<string>>;
}

// Read on every TOTP step and sign-in: fixed SQL, prepared once (src/db/prepared.ts).
const FIND = 'select id, user_id, secret_ciphertext, last_used_step, created_at from totp_credentials where user_id = ? limit 1';
const HAS = 'select id from totp_credentials where user_id = ? limit 1';
// The replay check: the row count of this one conditional UPDATE decides (RFC 6238 §5.2).
const ACCEPT_STEP = 'update totp_credentials set last_used_step = ? where id = ? and (last_used_step is null or last_used_step < ?)';

/** `dataKeys`: newest first; the first encrypts, all decrypt (rotation). */
export function createTotpCredentialStore(db: Knex, clock: Clock, dataKeys: Buffer[]): TotpCredentialStore {
  const table = () => db<Row>('totp_credentials');
  const sql = sqlRunner(db);
  const currentKey = dataKeys[0];
  if (!currentKey) throw new IdpError('config_invalid', 'no data-encryption key configured');
  return {
    async find(userId) {
      const [row] = await sql.all<Row>(FIND, [userId]);
      if (!row) return undefined;
      const secret = decryptSecret(dataKeys, row.secret_ciphertext, { userId: row.user_id, credentialId: row.id });
      return { id: row.id, userId: row.user_id, secret, lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step), createdAt: toMillis(row.created_at) };
    },
    async has(userId) {
      return (await sql.all(HAS, [userId])).length > 0;
    },
    async enrol(userId, secret, provenStep) {
      const id = randomUUID();
      try {
        await table().insert({ id, user_id: userId, secret_ciphertext: encryptSecret(currentKey, secret, { userId, credentialId: id }), last_used_step: provenStep, created_at: clock.now() });
      } catch (err) {
        // user_id is unique: a second, racing enrolment loses instead of replacing the first.
        throw new IdpError('conflict', 'two-step verification is already set up for this account', { cause: err });
      }
    },
    async acceptStep(credentialId, step) {
      return (await sql.run(ACCEPT_STEP, [step, credentialId, step])) === 1;
    },
    async remove(userId) {
      return (await table().where('user_id', userId).delete()) > 0;
    },
    async userIdsWithTotp() {
      return new Set((await table().select('user_id')).map((r) => r.user_id));
    },
  };
}
