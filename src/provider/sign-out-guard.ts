// A sign-in's result is saved only while its account has not been signed out since the sign-in
// began. The finish checks the account just before it saves (finish.ts), but a sign-out can land
// between that check and the save, and the sign-out cannot always find the sign-in to end it (a
// password step for another account in the same interaction re-binds its progress row: review).
// So the save itself carries the condition: the result names the account's sign-out count as the
// sign-in read it (User.signOutEpoch), and the adapter writes the interaction only if the
// account's row still has that count, in the same statement. signOutEverywhere bumps the count as
// its first write, so it and the save are ordered by the database: SQLite runs one write at a
// time, and on PostgreSQL the save reads the account's row FOR SHARE, waiting for a sign-out that
// holds it and then seeing its bump.
import { errors, type AdapterPayload } from 'oidc-provider';

/** The key in an interaction result's `login` that carries the count (oidc-provider ignores keys it does not know). */
export const SIGN_OUT_EPOCH = 'jullix_sign_out_epoch';

/** What a result's save must find on the account's row, or undefined for a payload without a guarded login. */
export function guardOf(payload: AdapterPayload): { accountId: string; epoch: number } | undefined {
  const login: unknown = payload.result?.login;
  if (typeof login !== 'object' || login === null) return undefined;
  const { accountId, [SIGN_OUT_EPOCH]: epoch } = login as Record<string, unknown>;
  return typeof accountId === 'string' && typeof epoch === 'number' ? { accountId, epoch } : undefined;
}

/** The account's row, while it is enabled and under the guard's count (parameters: its id, the count). */
const GUARD_HOLDS = 'select 1 as held from users where id = ? and sign_out_epoch = ? and not disabled';

/**
 * A save of an existing, live interaction, only while the account is enabled and its count is the
 * guard's. Parameters: payload, grant_id, uid, user_code, account_id, expires_at, id, the
 * account's id, the count.
 */
export function guardedInteractionSaveSql(postgres: boolean): string {
  return `update oidc_models set payload = ?, grant_id = ?, uid = ?, user_code = ?, account_id = ?, expires_at = ?
  where model = 'Interaction' and id = ? and consumed_at is null
    and exists (${GUARD_HOLDS}${postgres ? ' for share' : ''})`;
}

/**
 * Whether the account is still enabled and under the guard's count (parameters: the account's id,
 * the count): asked when a guarded save wrote nothing, to tell a sign-out from an interaction that
 * ended for another reason. A sign-out ends the interactions of the sign-ins it marks too, so a
 * save that lost to one finds its interaction ended as well: the count decides first.
 */
export const GUARD_HOLDS_SQL = GUARD_HOLDS;

/**
 * The save found the account signed out (or disabled, or gone) since the sign-in began: nothing was
 * written. A SessionNotFound to oidc-provider, should one of its own saves of such an interaction
 * meet it (its resume re-saves one in a few cases): the person starts again, as with an interaction
 * that expired. The finish tells it from other failures by this class.
 */
export class SignedOutDuringSignIn extends errors.SessionNotFound {
  constructor() {
    super('the account was signed out while this sign-in was under way');
  }
}
