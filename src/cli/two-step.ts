// Two-step verification as the admin CLI sees it: whether each user has an authenticator app
// (TOTP) and how many unused recovery codes they hold, read in two queries for any number of users
// and without the data-encryption keys; and the reset, through the same stores the server uses.
import type { Knex } from 'knex';
import type { User } from '../accounts/types.ts';
import { createAuditLog, type AuditDetail } from '../audit/log.ts';
import { createRecoveryCodeStore } from '../factors/recovery-code-store.ts';
import { createTotpCredentialStore } from '../factors/totp-credentials.ts';
import { signedOutDetail, signOutEverywhere, type SignedOut } from '../provider/account-sign-out.ts';
import type { CliContext } from './context.ts';

export interface TwoStepStatus {
  totp: boolean;
  recoveryCodesLeft: number;
}

export interface TwoStepStatuses {
  /** A user with neither factor (or not looked up) has { totp: false, recoveryCodesLeft: 0 }. */
  of(userId: string): TwoStepStatus;
}

/** Every user's status, or only `userId`'s: one query per table, never one per user. */
export async function twoStepStatuses(db: Knex, userId?: string): Promise<TwoStepStatuses> {
  const onlyUser = (q: Knex.QueryBuilder) => { if (userId !== undefined) void q.where('user_id', userId); };
  const totp = await db('totp_credentials').modify(onlyUser).select<Array<{ user_id: string }>>('user_id');
  const codes = await db('recovery_codes').modify(onlyUser).whereNull('used_at').groupBy('user_id')
    .select<Array<{ user_id: string; n: number | string }>>('user_id', db.raw('count(*) as n'));
  const withTotp = new Set(totp.map((r) => r.user_id));
  // PostgreSQL returns count(*) as a string (bigint), SQLite as a number.
  const left = new Map(codes.map((r) => [r.user_id, Number(r.n)]));
  return { of: (id) => ({ totp: withTotp.has(id), recoveryCodesLeft: left.get(id) ?? 0 }) };
}

/**
 * Removes the user's TOTP credential and all their recovery codes and signs them out everywhere,
 * with a `totp.reset` audit record, in one transaction. Returns the status it ended (what was
 * removed) and what the sign-out ended, or undefined when there was nothing to remove.
 */
export async function resetTwoStep(ctx: CliContext, user: User): Promise<(TwoStepStatus & { signedOut: SignedOut }) | undefined> {
  return ctx.db.transaction(async (trx) => {
    // A write first (the account's change time), so SQLite's write lock is held before the reads:
    // a transaction that read first fails at once (SQLITE_BUSY) when the server writes in between.
    await trx('users').where('id', user.id).update({ updated_at: ctx.clock.now() });
    const before = (await twoStepStatuses(trx, user.id)).of(user.id);
    if (!before.totp && before.recoveryCodesLeft === 0) return undefined;
    // Keys resolved only now, as the server does; the stores refuse to start without one.
    const keys = ctx.secrets().dataEncryptionKeys;
    const removedTotp = await createTotpCredentialStore(trx, ctx.clock, keys).remove(user.id);
    await createRecoveryCodeStore(trx, ctx.clock, keys).removeAll(user.id);
    const signedOut = await signOutEverywhere(trx, ctx.clock, user.id);
    const detail: AuditDetail = { ...ctx.actor, totpRemoved: removedTotp, recoveryCodesLeft: before.recoveryCodesLeft, ...signedOutDetail(signedOut) };
    // ctx.audit writes through ctx.db, which waits for this transaction's connection on SQLite.
    await createAuditLog(trx, ctx.clock).record({ event: 'totp.reset', userId: user.id, username: user.username, detail });
    return { totp: removedTotp, recoveryCodesLeft: before.recoveryCodesLeft, signedOut };
  });
}
