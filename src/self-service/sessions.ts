// "Sign me out everywhere else": removes the account's other provider sessions.
import type { Knex } from 'knex';

/**
 * Sessions are stored as JSON payloads; the account id is a UUID we generated, so matching its
 * quoted form in the payload is exact (no LIKE wildcards can occur in it).
 */
export async function endOtherSessions(db: Knex, accountId: string, keepSessionId: string): Promise<number> {
  if (!/^[0-9a-f-]{36}$/i.test(accountId)) throw new Error('unexpected account id format');
  return db('oidc_models').where('model', 'Session').andWhere('payload', 'like', `%"accountId":"${accountId}"%`).andWhereNot('id', keepSessionId).delete();
}
