// Remembered consent: which grant a person gave which third-party app, so the next sign-in (in a
// new session) does not ask again, and so the account page can list and revoke them.
import type { Knex } from 'knex';
import type { Clock } from '../security/clock.ts';

export interface RememberedGrant { clientId: string; grantId: string; createdAt: number }

/** Models that hang off a grant and die with it (oidc-provider's revokeByGrantId set). */
export const GRANT_BOUND_MODELS: readonly string[] = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'BackchannelAuthenticationRequest', 'DeviceCode'];

export function createGrantRegistry(db: Knex, clock: Clock) {
  const table = () => db('remembered_grants');
  return {
    async remember(accountId: string, clientId: string, grantId: string): Promise<void> {
      const row = { account_id: accountId, client_id: clientId, grant_id: grantId, created_at: clock.now() };
      await table().insert(row).onConflict(['account_id', 'client_id']).merge(['grant_id', 'created_at']);
    },
    async find(accountId: string, clientId: string): Promise<string | undefined> {
      const row = await table().where({ account_id: accountId, client_id: clientId }).first('grant_id') as { grant_id: string } | undefined;
      return row?.grant_id;
    },
    async list(accountId: string): Promise<RememberedGrant[]> {
      const rows = await table().where('account_id', accountId).orderBy('created_at', 'desc') as Array<{ client_id: string; grant_id: string; created_at: number | string }>;
      return rows.map((r) => ({ clientId: r.client_id, grantId: r.grant_id, createdAt: Number(r.created_at) }));
    },
    /** Forgets the consent and revokes the grant with every token issued under it. */
    async revoke(accountId: string, clientId: string): Promise<boolean> {
      return db.transaction(async (trx) => {
        const row = await trx('remembered_grants').where({ account_id: accountId, client_id: clientId }).first('grant_id') as { grant_id: string } | undefined;
        if (!row) return false;
        await trx('oidc_models').whereIn('model', GRANT_BOUND_MODELS).andWhere('grant_id', row.grant_id).delete();
        await trx('oidc_models').where({ model: 'Grant', id: row.grant_id }).delete();
        await trx('remembered_grants').where({ account_id: accountId, client_id: clientId }).delete();
        return true;
      });
    },
  };
}

export type GrantRegistry = ReturnType<typeof createGrantRegistry>;
