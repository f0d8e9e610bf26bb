// Server-side progress of one sign-in, keyed by the oidc-provider interaction uid (notes §3: the
// provider's own Interaction cannot be trusted to carry it). A pending enrolment secret is kept
// here, encrypted, and becomes a credential only after a valid code.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { toUser, userColumnsOf, type UserRow } from '../accounts/store.ts';
import type { User } from '../accounts/types.ts';
import { sqlRunner } from '../db/prepared.ts';
import { readColumn, toCount, toMillis, toMillisOrNull } from '../db/rows.ts';
import type { Clock } from '../security/clock.ts';
import { decryptSecret, encryptSecret } from '../security/encryption.ts';
import { IdpError } from '../errors.ts';
import type { Factor } from './policy.ts';

/**
 * Names a stored password hash without holding it: a sign-in remembers which password its
 * password step was checked against, and finishes only while the account still has that one.
 */
export function passwordFingerprint(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 22);
}

/** How long an enrolment secret stays offered before a reload shows a new one. */
export const PENDING_TOTP_TTL_MS = 15 * 60 * 1000;

export interface SignInState {
  uid: string;
  accountId: string | null;
  passwordAt: number | null;
  /** passwordFingerprint() of the stored password the password step was checked against. */
  passwordFingerprint: string | null;
  /** The account's sign-out count when its password step read it (User.signOutEpoch); null: stored before that column. */
  signOutEpoch: number | null;
  factors: Factor[];
  pendingTotpSecret: string | null;
}

interface Row { uid: string; account_id: string | null; password_at: number | string | null; password_fingerprint: string | null; sign_out_epoch: number | string | null; pending_totp_secret: string | null; pending_totp_created_at: number | string | null; factors: string | null; expires_at: number | string }

export interface SignInStateStore {
  get(uid: string): Promise<SignInState | undefined>;
  /** The state and the account it belongs to, read together (one statement on every step's request). */
  getWithAccount(uid: string): Promise<{ state: SignInState | undefined; user: User | undefined }>;
  /**
   * What became of this sign-in's stored progress, read just before its result is saved: still the
   * one `checked` was read as, with the account as it is now; signed out (every sign-out of the
   * account marks its sign-ins' rows: src/provider/account-sign-out.ts); or gone: finished by
   * another request of the same sign-in (a double-clicked button; the row is deleted after a
   * finish) or replaced by a new password step, which is no sign-out. A sign-out after this read
   * is caught by the save itself, which carries the account's sign-out count (sign-out-guard.ts).
   * On PostgreSQL the row is read FOR SHARE: a sign-out that has marked it but not yet committed
   * is waited for (a plain read would still see it unmarked). On SQLite this read runs on a
   * read-only connection and does not see a sign-out still under way; the save, a write, waits for
   * it and then finds the count moved on.
   */
  progressNow(checked: SignInState): Promise<ProgressNow>;
  /**
   * The password step succeeded against the stored hash with `fingerprint`, for the account as read
   * with it (`account.signOutEpoch`): the sign-in now belongs to this account (earlier progress is dropped).
   */
  passwordDone(uid: string, account: Pick<User, 'id' | 'signOutEpoch'>, expiresAtMs: number, fingerprint: string): Promise<void>;
  /**
   * Adds a factor to the progress it was checked against, compare-and-set: throws (wrong_step) when
   * the sign-in has moved on since `checked` was read (another password step made it another
   * account's, or the same account's anew), so a factor never counts for an account it was not
   * checked for.
   */
  addFactor(checked: SignInState, factor: Factor): Promise<void>;
  setPendingTotp(uid: string, accountId: string, secret: string): Promise<void>;
  /** Drops the account's pending enrolment secret (a password step for another account has dropped it already). */
  clearPendingTotp(uid: string, accountId: string): Promise<void>;
  remove(uid: string): Promise<void>;
}

/** progressNow's answer. */
export type ProgressNow = { kind: 'kept'; user: User | undefined } | { kind: 'signed_out' } | { kind: 'gone' };

const binding = (uid: string, accountId: string) => ({ userId: accountId, credentialId: `pending:${uid}` });

// Read and deleted on every interaction request: fixed SQL, prepared once (src/db/prepared.ts).
const STATE_COLUMNS = 's.uid, s.account_id, s.password_at, s.password_fingerprint, s.sign_out_epoch, s.pending_totp_secret, s.pending_totp_created_at, s.factors, s.expires_at';
const GET = `select ${STATE_COLUMNS} from interaction_state s where s.uid = ? limit 1`;
// No column name is in both tables, so the joined row is both a state row and (when id is set) a user row.
const GET_WITH_ACCOUNT = `select ${STATE_COLUMNS}, ${userColumnsOf('u')} from interaction_state s left join users u on u.id = s.account_id where s.uid = ? limit 1`;
const REMOVE = 'delete from interaction_state where uid = ?';
/**
 * For progressNow. Only the state row is locked: an operator's sign-out locks the account's row
 * first and the state row later, so a read holding the state row while it waited for the
 * account's would deadlock with it.
 */
const progressNowSql = (postgres: boolean) => `select s.account_id as state_account_id, s.password_at as state_password_at, ${userColumnsOf('u')}
  from interaction_state s left join users u on u.id = s.account_id where s.uid = ? limit 1${postgres ? ' for share of s' : ''}`;

/**
 * The mark a sign-out leaves on a sign-in's row (marked, not deleted, so that a finish can tell a
 * sign-out from a double submit): no account, no progress. Every reader takes it for no row.
 */
export const SIGNED_OUT_STATE = { account_id: null, password_at: null, password_fingerprint: null, sign_out_epoch: null, factors: null, pending_totp_secret: null, pending_totp_created_at: null } as const;

export function createSignInStateStore(db: Knex, clock: Clock, dataKeys: Buffer[]): SignInStateStore {
  const table = () => db<Row>('interaction_state');
  const sql = sqlRunner(db);
  const key = dataKeys[0];
  if (!key) throw new Error('no data-encryption key configured');
  const PROGRESS_NOW = progressNowSql(db.client.config.client === 'pg');
  /** undefined once expired (the row itself goes with the expiry cleanup) or signed out (SIGNED_OUT_STATE). */
  function toState(row: Row | undefined): SignInState | undefined {
    const now = clock.now();
    if (!row || row.account_id === null || toMillis(row.expires_at) <= now) return undefined;
    const pendingAt = toMillisOrNull(row.pending_totp_created_at);
    const epoch = row.sign_out_epoch;
    const pendingFresh = row.pending_totp_secret !== null && row.account_id !== null && pendingAt !== null && now - pendingAt < PENDING_TOTP_TTL_MS;
    return {
      uid: row.uid,
      accountId: row.account_id,
      passwordAt: toMillisOrNull(row.password_at),
      passwordFingerprint: row.password_fingerprint,
      signOutEpoch: epoch === null ? null : readColumn('interaction_state', row.uid, 'sign_out_epoch', () => toCount(epoch)),
      factors: row.factors ? (JSON.parse(row.factors) as Factor[]) : [],
      pendingTotpSecret: pendingFresh && row.pending_totp_secret && row.account_id ? decryptSecret(dataKeys, row.pending_totp_secret, binding(row.uid, row.account_id)) : null,
    };
  }
  return {
    async get(uid) {
      const [row] = await sql.all<Row>(GET, [uid]);
      return toState(row);
    },
    async getWithAccount(uid) {
      const [row] = await sql.all<Row & { id: string | null }>(GET_WITH_ACCOUNT, [uid]);
      const state = toState(row);
      // The left join leaves id null when no account is set yet or the account is gone.
      const user = state?.accountId && row?.id ? toUser(row as Row & UserRow) : undefined;
      return { state, user };
    },
    async progressNow(checked) {
      const [row] = await sql.all<UserRow & { state_account_id: string | null; state_password_at: number | string | null; id: string | null }>(PROGRESS_NOW, [checked.uid]);
      if (!row) return { kind: 'gone' };
      if (row.state_account_id === null) return { kind: 'signed_out' };
      if (row.state_account_id !== checked.accountId || toMillisOrNull(row.state_password_at) !== checked.passwordAt) return { kind: 'gone' };
      return { kind: 'kept', user: row.id ? toUser(row) : undefined };
    },
    async passwordDone(uid, account, expiresAtMs, fingerprint) {
      const fresh = { account_id: account.id, password_at: clock.now(), sign_out_epoch: account.signOutEpoch, password_fingerprint: fingerprint, factors: JSON.stringify(['pwd']), pending_totp_secret: null, pending_totp_created_at: null, expires_at: expiresAtMs };
      await table().insert({ uid, ...fresh }).onConflict('uid').merge(fresh);
    },
    async addFactor(checked, factor) {
      // Found by a black-box review: with a plain read-modify-write, a password step for a victim
      // landing between an attacker's own code check and this write gave the victim's sign-in the
      // attacker's second factor. The row must still be the one the factor was checked against:
      // same account, same password step, same progress.
      const changed = checked.accountId === null || checked.passwordAt === null ? 0 : await table()
        .where({ uid: checked.uid, account_id: checked.accountId, password_at: checked.passwordAt, factors: JSON.stringify(checked.factors) })
        .update({ factors: JSON.stringify([...new Set([...checked.factors, factor])]) });
      if (changed === 0) throw new IdpError('wrong_step', 'the sign-in changed while this step was checked');
    },
    async setPendingTotp(uid, accountId, secret) {
      await table().where({ uid, account_id: accountId }).update({ pending_totp_secret: encryptSecret(key, secret, binding(uid, accountId)), pending_totp_created_at: clock.now() });
    },
    async clearPendingTotp(uid, accountId) {
      await table().where({ uid, account_id: accountId }).update({ pending_totp_secret: null, pending_totp_created_at: null });
    },
    async remove(uid) {
      await sql.run(REMOVE, [uid]);
    },
  };
}
