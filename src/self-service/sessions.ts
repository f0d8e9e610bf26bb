// Keeping a session alive while the account page is used, as the provider does for /auth. ("Sign
// me out everywhere else" is signOutEverywhere in src/provider/account-sign-out.ts.)
import type { Knex } from 'knex';
import type { Clock } from '../security/clock.ts';

/**
 * Gives the session `ttlFor(loginTs)` more seconds, the way the provider's own save would: `exp`
 * in the payload on the wall clock (the provider checks it and sets the cookie from it), the row's
 * expiry on our clock (the adapter checks that). Compare-and-set on the payload, so a session that
 * was rotated at a sign-in meanwhile is never revived and a concurrent change is never lost.
 * Returns the new expiry in ms, or undefined when the session was not extended.
 */
export async function extendSession(db: Knex, clock: Clock, sessionId: string, ttlFor: (loginTs: number | undefined) => number): Promise<number | undefined> {
  const row = await db('oidc_models').where({ model: 'Session', id: sessionId }).whereNull('consumed_at').first<{ payload: string } | undefined>('payload');
  if (!row) return undefined;
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  const ttl = ttlFor(typeof payload.loginTs === 'number' ? payload.loginTs : undefined);
  const exp = Math.floor(Date.now() / 1000) + ttl;
  const updated = await db('oidc_models').where({ model: 'Session', id: sessionId, payload: row.payload }).whereNull('consumed_at')
    .update({ payload: JSON.stringify({ ...payload, exp }), expires_at: clock.now() + ttl * 1000 });
  return updated === 1 ? exp * 1000 : undefined;
}
