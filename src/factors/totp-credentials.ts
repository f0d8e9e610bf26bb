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
import { checkRows, type ThrottleBucket, type ThrottleCheck, type ThrottleRow } from '../security/throttle.ts';
import { signOutCountNow } from '../accounts/store.ts';

export interface TotpCredential { id: string; userId: string; secret: string; lastUsedStep: number | null; createdAt: number }

interface Row { id: string; user_id: string; secret_ciphertext: string; last_used_step: number | string | null; created_at: number | string }

export interface TotpCredentialStore {
  find(userId: string): Promise<TotpCredential | undefined>;
  /**
   * find, and the sign-in throttle's check of `buckets`, in one statement: the TOTP step needs both
   * before it looks at the code, and each statement is a round trip on the single connection.
   */
  findWithThrottle(userId: string, buckets: ThrottleBucket[]): Promise<{ credential: TotpCredential | undefined; throttle: ThrottleCheck }>;
  has(userId: string): Promise<boolean>;
  /**
   * Saves a newly proven secret; `provenStep` is the step of the code that proved it (not reusable).
   * `beganUnder`: the account's sign-out count the enrolling person's sign-in or session began
   * under; when a sign-out (a password reset) moved it on meanwhile, the secret is taken away again
   * and this throws `signed_out`, so whoever held the old password leaves no authenticator behind.
   */
  enrol(userId: string, secret: string, provenStep: number, beganUnder?: number): Promise<void>;
  /** True when `step` is newer than the last accepted one, and records it; false means replay. */
  acceptStep(credentialId: string, step: number): Promise<boolean>;
  remove(userId: string): Promise<boolean>;
  /** Users (ids) that have a credential, for listings. */
  userIdsWithTotp(): Promise<Set<string>>;
}

// Read on every TOTP step and sign-in: fixed SQL, prepared once (src/db/prepared.ts).
const FIND = 'select id, user_id, secret_ciphertext, last_used_step, created_at from totp_credentials where user_id = ? limit 1';
// Both tables in one result: `kind` says which columns a row fills (UNION ALL keeps every row).
const withThrottleSql = (keys: number) => `select 'credential' as kind, id, user_id, secret_ciphertext, last_used_step, created_at, null as "key", null as failures, null as last_failure_at from totp_credentials where user_id = ? `
  + `union all select 'throttle', null, null, null, null, null, "key", failures, last_failure_at from throttle where ${keys === 0 ? '1 = 0' : `"key" in (${Array.from({ length: keys }, () => '?').join(', ')})`}`;
type CombinedRow = ({ kind: 'credential' } & Row) | ({ kind: 'throttle' } & ThrottleRow);
const HAS = 'select id from totp_credentials where user_id = ? limit 1';
// The replay check: the row count of this one conditional UPDATE decides (RFC 6238 §5.2).
const ACCEPT_STEP = 'update totp_credentials set last_used_step = ? where id = ? and (last_used_step is null or last_used_step < ?)';

/** `dataKeys`: newest first; the first encrypts, all decrypt (rotation). */
export function createTotpCredentialStore(db: Knex, clock: Clock, dataKeys: Buffer[]): TotpCredentialStore {
  const table = () => db<Row>('totp_credentials');
  const sql = sqlRunner(db);
  const currentKey = dataKeys[0];
  if (!currentKey) throw new IdpError('config_invalid', 'no data-encryption key configured');
  const toCredential = (row: Row): TotpCredential => {
    const secret = decryptSecret(dataKeys, row.secret_ciphertext, { userId: row.user_id, credentialId: row.id });
    return { id: row.id, userId: row.user_id, secret, lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step), createdAt: toMillis(row.created_at) };
  };
  return {
    async find(userId) {
      const [row] = await sql.all<Row>(FIND, [userId]);
      return row ? toCredential(row) : undefined;
    },
    async findWithThrottle(userId, buckets) {
      const rows = await sql.all<CombinedRow>(withThrottleSql(buckets.length), [userId, ...buckets.map((b) => b.key)]);
      const credentialRow = rows.find((r) => r.kind === 'credential');
      const throttleRows = rows.filter((r) => r.kind === 'throttle');
      return { credential: credentialRow ? toCredential(credentialRow) : undefined, throttle: checkRows(buckets, throttleRows, clock.now()) };
    },
    async has(userId) {
      return (await sql.all(HAS, [userId])).length > 0;
    },
    async enrol(userId, secret, provenStep, beganUnder) {
      const id = randomUUID();
      try {
        await table().insert({ id, user_id: userId, secret_ciphertext: encryptSecret(currentKey, secret, { userId, credentialId: id }), last_used_step: provenStep, created_at: clock.now() });
      } catch (err) {
        // user_id is unique: a second, racing enrolment loses instead of replacing the first.
        throw new IdpError('conflict', 'two-step verification is already set up for this account', { cause: err });
      }
      // Stored first, then the count: a sign-out that moved it before this read is seen here (on
      // PostgreSQL one under way is waited for), and one after it came after the enrolment, as if
      // it had been a moment earlier; the operator's reset-2fa is what removes an authenticator.
      if (beganUnder !== undefined && (await signOutCountNow(db, userId)) !== beganUnder) {
        await table().where({ id }).delete();
        throw new IdpError('signed_out', 'the account was signed out while two-step verification was being set up');
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
