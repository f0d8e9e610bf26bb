// Stored recovery codes: only keyed hashes are kept; using one is a conditional UPDATE, so each code
// works once even under concurrent submissions.
import { hkdfSync, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../security/clock.ts';
import { generateRecoveryCodes, hashRecoveryCode, normaliseRecoveryCode } from './recovery-codes.ts';

export interface RecoveryCodeStore {
  /** Replaces all of a user's codes with new ones and returns them (the only time they exist in clear). */
  regenerate(userId: string): Promise<string[]>;
  /** True when `input` was an unused code of this user; it is then used up. */
  consume(userId: string, input: string): Promise<boolean>;
  remaining(userId: string): Promise<number>;
  removeAll(userId: string): Promise<void>;
}

/** A key for recovery-code hashes, derived from a data key so the two uses never share one key. */
function pepperFrom(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'jullix-idp recovery codes v1', 32));
}

/** `dataKeys`: newest first. New codes are hashed under the first; all are tried, so rotation keeps old codes working. */
export function createRecoveryCodeStore(db: Knex, clock: Clock, dataKeys: Buffer[]): RecoveryCodeStore {
  const table = () => db('recovery_codes');
  const peppers = dataKeys.map(pepperFrom);
  const pepper = peppers[0];
  if (!pepper) throw new Error('no data-encryption key configured');
  return {
    async regenerate(userId) {
      const codes = generateRecoveryCodes();
      const now = clock.now();
      await db.transaction(async (trx) => {
        await trx('recovery_codes').where('user_id', userId).delete();
        await trx('recovery_codes').insert(codes.map((c) => ({
          id: randomUUID(), user_id: userId, code_hash: hashRecoveryCode(normaliseRecoveryCode(c) ?? '', pepper), used_at: null, created_at: now,
        })));
      });
      return codes;
    },
    async consume(userId, input) {
      const normalised = normaliseRecoveryCode(input);
      if (normalised === null) return false;
      const hashes = peppers.map((p) => hashRecoveryCode(normalised, p));
      const updated = await table().where('user_id', userId).whereIn('code_hash', hashes).whereNull('used_at').update({ used_at: clock.now() });
      return updated === 1;
    },
    async remaining(userId) {
      const row = await table().where('user_id', userId).whereNull('used_at').count<{ n: number | string }[]>({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },
    async removeAll(userId) {
      await table().where('user_id', userId).delete();
    },
  };
}
