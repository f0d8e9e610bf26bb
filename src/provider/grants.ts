// Remembered consent: which grant a person gave which third-party app, so the next sign-in (in a
// new session) does not ask again, and so the account page can list and revoke them.
import type { Knex } from 'knex';
import { inChunks } from '../db/chunks.ts';
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

/**
 * Models a client holds without a grant: its own client_credentials tokens, and its registration
 * access token (RFC 7592), which never expires: after a CLI remove it stayed, for good.
 */
const CLIENT_OWN_MODELS: readonly string[] = ['ClientCredentials', 'RegistrationAccessToken'];

/**
 * What a removed client leaves behind, deleted with it (RFC 7592 §2.3: its grants and tokens
 * SHOULD be invalidated): every grant people gave it with the tokens issued under them, the
 * consent remembered for it (the account page listed the app by its bare id) and its own
 * client_credentials tokens. Run inside the transaction that deletes the client. Grants and those
 * tokens carry the client only in their payload, so they are read by model and matched exactly here
 * (a LIKE pattern alone would also match ids with `_` or `%` standing for other characters).
 */
async function forgetClient(trx: Knex, clientId: string): Promise<void> {
  // Narrowed by LIKE only for an id that needs no escaping in JSON or in a pattern (`_` may match
  // more, which the exact check below drops); any other id reads every row of the models.
  const pattern = /^[A-Za-z0-9._~-]+$/.test(clientId) ? `%"clientId":"${clientId}"%` : '%';
  const ofClient = async (models: readonly string[]) => {
    const rows = await trx('oidc_models').whereIn('model', models).andWhere('payload', 'like', pattern).select('id', 'payload') as Array<{ id: string; payload: string }>;
    return rows.filter((r) => (JSON.parse(r.payload) as { clientId?: unknown }).clientId === clientId);
  };
  const remembered = await trx('remembered_grants').where('client_id', clientId).select('grant_id') as Array<{ grant_id: string }>;
  const grantIds = [...new Set([...(await ofClient(['Grant'])).map((g) => g.id), ...remembered.map((r) => r.grant_id)])];
  await inChunks(grantIds, async (chunk) => {
    await trx('oidc_models').whereIn('model', GRANT_BOUND_MODELS).whereIn('grant_id', chunk).delete();
    await trx('oidc_models').where('model', 'Grant').whereIn('id', chunk).delete();
  });
  await trx('remembered_grants').where('client_id', clientId).delete();
  const own = (await ofClient(CLIENT_OWN_MODELS)).map((r) => r.id);
  await inChunks(own, async (chunk) => { await trx('oidc_models').whereIn('model', CLIENT_OWN_MODELS).whereIn('id', chunk).delete(); });
}

/**
 * Deletes a client and what it leaves behind (forgetClient), in one transaction: the one way both
 * the CLI's `client remove` and a registrant's RFC 7592 DELETE (the adapter's destroy) go.
 * False when there was no such client (nothing else is touched then).
 */
export async function deleteClient(db: Knex, clientId: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const count = await trx('oidc_models').where({ model: 'Client', id: clientId }).delete();
    if (count > 0) await forgetClient(trx, clientId);
    return count > 0;
  });
}
