// Relying-party clients registered by an operator. They live where oidc-provider's adapter looks
// for them (oidc_models, model 'Client', snake_case metadata as payload, no expiry), so the
// running provider sees an added, changed or removed client on its next request (its client cache
// is keyed by a hash of the payload). The metadata itself is built in client-metadata.ts.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { ClientMetadata as ProviderClientMetadata } from 'oidc-provider';
import { z } from 'zod';
import { IdpError } from '../errors.ts';
import { deleteClient } from './grants.ts';
import type { Clock } from '../security/clock.ts';
import {
  applyChanges, buildMetadata, clientShapeProblems, FIRST_PARTY, requiresMfa, uriProblems, usesClientSecret,
  type ClientChanges, type ClientProblem, type NewClient, type StoredPayload,
} from './client-metadata.ts';

export type { ClientChanges, ClientMetadata, NewClient, StoredPayload } from './client-metadata.ts';

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
  default_acr_values: z.array(z.string()).default([]),
  backchannel_logout_uri: z.string().optional(),
  logo_uri: z.string().optional(),
  client_uri: z.string().optional(),
  [FIRST_PARTY]: z.boolean().default(false),
});
export type RegisteredClient = z.infer<typeof storedClient>;

/** Rejects metadata the provider would refuse later; see providerValidator. */
export type ClientMetadataValidator = (metadata: StoredPayload) => Promise<void>;

export interface ClientRegistry {
  /** The secret is returned here once; list/find never return it. */
  add(client: NewClient): Promise<{ client: RegisteredClient; clientSecret: string | undefined }>;
  /** Applies only the given changes, validated like a new client; `changed` names the metadata keys that differ. */
  update(clientId: string, changes: ClientChanges): Promise<{ client: RegisteredClient; changed: string[] }>;
  /** A new secret for a confidential client; the old one stops working at once. */
  rotateSecret(clientId: string): Promise<{ client: RegisteredClient; clientSecret: string }>;
  /** Ordered by name, then id. */
  list(): Promise<RegisteredClient[]>;
  find(clientId: string): Promise<RegisteredClient | undefined>;
  remove(clientId: string): Promise<void>;
}

interface ClientRow { model: string; id: string; payload: string; expires_at: null }

export function createClientRegistry(db: Knex, clock: Clock, validate: ClientMetadataValidator): ClientRegistry {
  const clients = () => db<ClientRow>('oidc_models').where('model', 'Client');
  const load = async (clientId: string) => {
    const row = await clients().andWhere('id', clientId).first('id', 'payload');
    if (row === undefined) throw new IdpError('not_found', `no client with id "${clientId}"`);
    const payload: StoredPayload = { ...parsePayload(row.payload, clientId), client_id: clientId };
    return { json: row.payload, payload };
  };
  // Compare-and-swap on the payload read: a change made meanwhile (another operator, RFC 7592) is never lost.
  const replace = async (clientId: string, oldJson: string, payload: StoredPayload) => {
    const count = await clients().andWhere({ id: clientId, payload: oldJson }).update({ payload: JSON.stringify(payload) });
    if (count === 0) throw new IdpError('conflict', `client "${clientId}" was changed or removed meanwhile; try again`);
  };
  return {
    async add(input) {
      const problems = [...uriProblems(input), ...clientShapeProblems(input).map(problemText)];
      if (problems.length > 0) throw new IdpError('bad_request', problems.join('\n'));
      const metadata = buildMetadata(input, { clientId: newClientId(), clientSecret: newSecret(), issuedAt: Math.floor(clock.now() / 1000) });
      await validate(metadata);
      // A plain insert, not the adapter's upsert: an id collision must fail, never overwrite.
      await db<ClientRow>('oidc_models').insert({ model: 'Client', id: metadata.client_id, payload: JSON.stringify(metadata), expires_at: null });
      return { client: storedClient.parse(metadata), clientSecret: metadata.client_secret };
    },
    async update(clientId, changes) {
      const { json, payload } = await load(clientId);
      const next = applyChanges(payload, changes);
      const view = parseStored(next, clientId);
      const problems = [
        ...uriProblems({
          redirectUris: changes.redirectUris ?? [], postLogoutRedirectUris: changes.postLogoutRedirectUris ?? [],
          backchannelLogoutUri: changes.backchannelLogoutUri ?? undefined, logoUri: changes.logoUri ?? undefined, clientUri: changes.clientUri ?? undefined,
        }),
        ...clientShapeProblems({
          grantTypes: view.grant_types, authMethod: view.token_endpoint_auth_method, redirectUris: view.redirect_uris,
          postLogoutRedirectUris: view.post_logout_redirect_uris, requireMfa: requiresMfa(view.default_acr_values), backchannelLogoutUri: view.backchannel_logout_uri,
        }).map(problemText),
      ];
      if (problems.length > 0) throw new IdpError('bad_request', problems.join('\n'));
      const changed = [...new Set([...Object.keys(payload), ...Object.keys(next)])]
        .filter((key) => JSON.stringify(payload[key]) !== JSON.stringify(next[key])).sort();
      if (changed.length === 0) return { client: view, changed };
      await validate(next);
      await replace(clientId, json, next);
      return { client: view, changed };
    },
    async rotateSecret(clientId) {
      const { json, payload } = await load(clientId);
      // oidc-provider's default method is client_secret_basic when the metadata names none.
      const method = payload['token_endpoint_auth_method'] ?? 'client_secret_basic';
      if (method === 'none') {
        throw new IdpError('conflict', `client "${clientId}" is public (token_endpoint_auth_method none): it has no secret to rotate`);
      }
      // A registered app on private_key_jwt signs with its own keys: a secret printed here would
      // never work, and "the old one no longer works" would be false (there was none).
      if (!usesClientSecret(method)) {
        throw new IdpError('conflict', `client "${clientId}" authenticates with ${String(method)}, not a secret: it has no secret to rotate (its keys are in its jwks or jwks_uri)`);
      }
      const clientSecret = newSecret();
      await replace(clientId, json, { ...payload, client_secret: clientSecret });
      return { client: parseStored(payload, clientId), clientSecret };
    },
    async list() {
      const rows = await clients().select('id', 'payload');
      return rows.map((r) => parseStored(parsePayload(r.payload, r.id), r.id))
        .sort((a, b) => a.client_name.localeCompare(b.client_name) || a.client_id.localeCompare(b.client_id));
    },
    async find(clientId) {
      const row = await clients().andWhere('id', clientId).first('id', 'payload');
      return row === undefined ? undefined : parseStored(parsePayload(row.payload, row.id), row.id);
    },
    async remove(clientId) {
      if (!(await deleteClient(db, clientId))) throw new IdpError('not_found', `no client with id "${clientId}"`);
    },
  };
}

const problemText = (p: ClientProblem) => `${p.field}: ${p.message}`;

// Hex, not base64url: an id starting with '-' would read as an option on the CLI command line.
const newClientId = () => randomBytes(16).toString('hex');
const newSecret = () => randomBytes(32).toString('base64url');

function parsePayload(json: string, id: string): Record<string, unknown> {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IdpError('internal', `stored client ${id} has unreadable metadata`, { detail: { clientId: id } });
  }
  return value as Record<string, unknown>;
}

function parseStored(payload: Record<string, unknown>, id: string): RegisteredClient {
  const parsed = storedClient.safeParse(payload);
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
