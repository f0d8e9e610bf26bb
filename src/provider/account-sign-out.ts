// Signing one account out everywhere: what an operator's password reset or authenticator reset must
// end, so that whoever held the old factor keeps nothing it bought. The provider's rows carry the
// account only inside their JSON payload; the account id is a UUID we generated, so matching its
// quoted form there is exact (no LIKE wildcard can occur in it). An admin command, not a hot path:
// the statements scan the models' rows.
import type { Knex } from 'knex';
import type { Clock } from '../security/clock.ts';
import { GRANT_BOUND_MODELS } from './grants.ts';

export interface SignedOut {
  /** Browser sessions ended: SSO stops, every app's next request asks for a sign-in. */
  sessions: number;
  /** Refresh tokens, access tokens and unredeemed codes deleted: the apps' copies stop working. */
  tokens: number;
}

/** The account's rows of `models` in oidc_models, by the account id in their payload. */
export function rowsOfAccount(db: Knex, models: readonly string[], accountId: string): Knex.QueryBuilder {
  if (!/^[0-9a-f-]{36}$/i.test(accountId)) throw new Error('unexpected account id format');
  return db('oidc_models').whereIn('model', models).andWhere('payload', 'like', `%"accountId":"${accountId}"%`);
}

/**
 * Ends every session and sign-in under way of the account and deletes every token issued to it, in
 * one transaction; returns how many sessions and tokens. Consent (the Grant rows, remembered_grants)
 * is kept: the person chose it, and without a token or a session it lets nobody in. Sessions and interactions are ended, not deleted,
 * so that a request in flight cannot save them back (the adapter's upsert leaves marked rows alone);
 * an interaction carries the login result between the last factor and the resume, which is what an
 * attacker holding the old password would otherwise keep open and resume after the reset.
 */
export async function signOutEverywhere(db: Knex, clock: Clock, accountId: string): Promise<SignedOut> {
  return db.transaction(async (trx) => {
    const now = clock.now();
    const sessions = await rowsOfAccount(trx, ['Session'], accountId).whereNull('consumed_at').update({ consumed_at: now });
    // Sign-ins under way: past the password (a state, TOTP next) or past every factor (the result).
    await rowsOfAccount(trx, ['Interaction'], accountId).whereNull('consumed_at').update({ consumed_at: now });
    await trx('interaction_state').where('account_id', accountId).delete();
    const tokens = await rowsOfAccount(trx, GRANT_BOUND_MODELS, accountId).delete();
    return { sessions, tokens };
  });
}

/** The audit record's account of a sign-out. */
export const signedOutDetail = (out: SignedOut) => ({ sessionsEnded: out.sessions, tokensRevoked: out.tokens });
