// Initial access tokens for Dynamic Client Registration (RFC 7591 §3): issued through
// oidc-provider's own model, so the provider accepts them, and listed and revoked straight from
// where its adapter keeps them (oidc_models, model 'InitialAccessToken', id = the token value).
// Outside `issue`, a token is only ever shown by its fingerprint.
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { toMillisOrNull } from '../db/rows.ts';
import { IdpError } from '../errors.ts';
import { THIRD_PARTY_POLICY } from '../provider/client-metadata.ts';
import type { Clock } from '../security/clock.ts';

const MODEL = 'InitialAccessToken';

export interface RegistrationTokenView {
  /** The first 6 characters and "…": enough to tell tokens apart and to revoke one. */
  fingerprint: string;
  created_at: string | null;
  /** null: never expires (not issued by this command). */
  expires_at: string | null;
  policies: string[];
}

interface TokenRow { id: string; payload: string; expires_at: number | string | null }

import { tokenFingerprint as fingerprint } from '../provider/registration-audit.ts';

function viewOf(row: TokenRow): RegistrationTokenView {
  const payload = JSON.parse(row.payload) as { iat?: unknown; policies?: unknown };
  const expiresAt = toMillisOrNull(row.expires_at);
  return {
    fingerprint: fingerprint(row.id),
    created_at: typeof payload.iat === 'number' ? new Date(payload.iat * 1000).toISOString() : null,
    expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    policies: Array.isArray(payload.policies) ? payload.policies.filter((p): p is string => typeof p === 'string') : [],
  };
}

/** Unexpired tokens, newest first: expired ones are already refused and swept by the server. */
async function unexpiredRows(db: Knex, clock: Clock): Promise<TokenRow[]> {
  const rows = await db<TokenRow & { model: string }>('oidc_models').where('model', MODEL)
    .andWhere((q) => void q.whereNull('expires_at').orWhere('expires_at', '>', clock.now()))
    .select('id', 'payload', 'expires_at');
  return rows.sort((a, b) => createdMs(b) - createdMs(a));
}

/**
 * When a token was made, to the millisecond where that can be told: the provider's `iat` is in
 * whole seconds (two tokens made in one second would tie), but the expiry column is in ms and the
 * payload says how long the token lives (exp - iat), so their difference is the creation instant.
 */
function createdMs(row: TokenRow): number {
  const payload = JSON.parse(row.payload) as { iat?: unknown; exp?: unknown };
  const iat = typeof payload.iat === 'number' ? payload.iat : 0;
  const expiresAt = toMillisOrNull(row.expires_at);
  if (expiresAt === null || typeof payload.exp !== 'number') return iat * 1000;
  return expiresAt - (payload.exp - iat) * 1000;
}

/** A new token for the third-party policy; its value is returned here and nowhere else. */
export async function issueRegistrationToken(provider: Provider, db: Knex, expiresInSeconds: number): Promise<{ value: string; view: RegistrationTokenView }> {
  let value: string;
  try {
    value = await new provider.InitialAccessToken({ expiresIn: expiresInSeconds, policies: [THIRD_PARTY_POLICY] }).save();
  } catch (err) {
    // e.g. "policy third-party not configured": the provider configuration lacks the registration policy.
    const reason = err instanceof Error ? err.message : String(err);
    throw new IdpError('internal', `oidc-provider refused to issue the token: ${reason}`, { expose: true, cause: err });
  }
  const row = await db<TokenRow & { model: string }>('oidc_models').where({ model: MODEL, id: value }).first('id', 'payload', 'expires_at');
  if (row === undefined) throw new IdpError('internal', 'the new registration token was not stored', { expose: true });
  return { value, view: viewOf(row) };
}

export async function listRegistrationTokens(db: Knex, clock: Clock): Promise<RegistrationTokenView[]> {
  return (await unexpiredRows(db, clock)).map(viewOf);
}

/** Deletes the one unexpired token whose value starts with `prefix` (a whole value, or its fingerprint). */
export async function revokeRegistrationToken(db: Knex, clock: Clock, prefix: string): Promise<RegistrationTokenView> {
  const matches = (await unexpiredRows(db, clock)).filter((row) => row.id.startsWith(prefix));
  const [match, ...others] = matches;
  if (match === undefined) throw new IdpError('not_found', `no unexpired registration token starts with "${prefix}"`);
  if (others.length > 0) {
    const list = matches.map((row) => `${fingerprint(row.id)} (expires ${viewOf(row).expires_at ?? 'never'})`).join(', ');
    throw new IdpError('conflict', `"${prefix}" matches ${matches.length} registration tokens: ${list}; give more of the token`);
  }
  await db('oidc_models').where({ model: MODEL, id: match.id }).delete();
  return viewOf(match);
}
