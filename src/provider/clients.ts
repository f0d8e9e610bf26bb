// Relying-party clients registered by an operator. They live where oidc-provider's adapter looks
// for them (oidc_models, model 'Client', snake_case metadata as payload, no expiry), so the
// running provider sees an added or removed client on its next request.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { ClientMetadata as ProviderClientMetadata } from 'oidc-provider';
import { z } from 'zod';
import { IdpError } from '../errors.ts';
import type { Clock } from '../security/clock.ts';
import { FIRST_PARTY } from './client-metadata.ts';
import { validateRedirectUri } from './redirect-uris.ts';

export interface NewClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** A public client (SPA, native) has no secret and must use PKCE. */
  public: boolean;
  /** Skips the consent screen: only for the operator's own apps. */
  firstParty: boolean;
}

/** The metadata stored for oidc-provider (RFC 7591 names). */
export interface ClientMetadata {
  client_id: string;
  client_secret?: string;
  client_name: string;
  client_id_issued_at: number;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: Array<'authorization_code' | 'refresh_token'>;
  response_types: Array<'code'>;
  token_endpoint_auth_method: 'none' | 'client_secret_basic';
  application_type: 'web';
  [FIRST_PARTY]?: true;
}

// Read back leniently, and z.object drops unknown keys: client_secret is never returned.
const storedClient = z.object({
  client_id: z.string(),
  client_name: z.string().default(''),
  client_id_issued_at: z.number().optional(),
  redirect_uris: z.array(z.string()).default([]),
  post_logout_redirect_uris: z.array(z.string()).default([]),
  grant_types: z.array(z.string()).default(['authorization_code']),
  response_types: z.array(z.string()).default(['code']),
  token_endpoint_auth_method: z.string().default('client_secret_basic'),
  application_type: z.string().default('web'),
  [FIRST_PARTY]: z.boolean().default(false),
});
export type RegisteredClient = z.infer<typeof storedClient>;

/** Rejects metadata the provider would refuse later; see providerValidator. */
export type ClientMetadataValidator = (metadata: ClientMetadata) => Promise<void>;

export interface ClientRegistry {
  /** The secret is returned here once; list/find never return it. */
  add(client: NewClient): Promise<{ client: RegisteredClient; clientSecret: string | undefined }>;
  /** Ordered by name, then id. */
  list(): Promise<RegisteredClient[]>;
  find(clientId: string): Promise<RegisteredClient | undefined>;
  remove(clientId: string): Promise<void>;
}

interface ClientRow { model: string; id: string; payload: string; expires_at: null }

export function createClientRegistry(db: Knex, clock: Clock, validate: ClientMetadataValidator): ClientRegistry {
  const clients = () => db<ClientRow>('oidc_models').where('model', 'Client');
  return {
    async add(input) {
      const metadata = buildMetadata(input, clock);
      await validate(metadata);
      // A plain insert, not the adapter's upsert: an id collision must fail, never overwrite.
      await db<ClientRow>('oidc_models').insert({ model: 'Client', id: metadata.client_id, payload: JSON.stringify(metadata), expires_at: null });
      return { client: storedClient.parse(metadata), clientSecret: metadata.client_secret };
    },
    async list() {
      const rows = await clients().select('id', 'payload');
      return rows.map((r) => parseStored(r.payload, r.id))
        .sort((a, b) => a.client_name.localeCompare(b.client_name) || a.client_id.localeCompare(b.client_id));
    },
    async find(clientId) {
      const row = await clients().andWhere('id', clientId).first('id', 'payload');
      return row === undefined ? undefined : parseStored(row.payload, row.id);
    },
    async remove(clientId) {
      const count = await clients().andWhere('id', clientId).delete();
      if (count === 0) throw new IdpError('not_found', `no client with id "${clientId}"`);
    },
  };
}

function buildMetadata(input: NewClient, clock: Clock): ClientMetadata {
  if (input.redirectUris.length === 0) throw new IdpError('bad_request', 'a client needs at least one redirect URI');
  for (const uri of [...input.redirectUris, ...input.postLogoutRedirectUris]) {
    const verdict = validateRedirectUri(uri);
    if (!verdict.ok) throw new IdpError('bad_request', `redirect URI "${uri}" ${verdict.reason}`);
  }
  return {
    // Hex, not base64url: an id starting with '-' would read as an option on the CLI command line.
    client_id: randomBytes(16).toString('hex'),
    ...(input.public ? {} : { client_secret: randomBytes(32).toString('base64url') }),
    client_name: input.name,
    client_id_issued_at: Math.floor(clock.now() / 1000),
    redirect_uris: [...new Set(input.redirectUris)],
    post_logout_redirect_uris: [...new Set(input.postLogoutRedirectUris)],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: input.public ? 'none' : 'client_secret_basic',
    application_type: 'web',
    ...(input.firstParty ? { [FIRST_PARTY]: true as const } : {}),
  };
}

function parseStored(json: string, id: string): RegisteredClient {
  const parsed = storedClient.safeParse(JSON.parse(json));
  if (!parsed.success) throw new IdpError('internal', `stored client ${id} has unreadable metadata`, { detail: { clientId: id } });
  return parsed.data;
}

/** Runs oidc-provider's own client schema (Client.validate) and reports its error_description. */
export function providerValidator(provider: { Client: { validate(m: ProviderClientMetadata): Promise<void> } }): ClientMetadataValidator {
  return async (metadata) => {
    try {
      await provider.Client.validate({ ...metadata });
    } catch (err) {
      const { error_description: description } = err as { error_description?: unknown };
      const reason = typeof description === 'string' ? description : err instanceof Error ? err.message : String(err);
      throw new IdpError('bad_request', `oidc-provider rejects this client: ${reason}`, { cause: err });
    }
  };
}
