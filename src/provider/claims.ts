// Which claims each scope releases (oidc-provider's `claims` setting), and the reverse question the
// consent page must answer: which scopes' worth of data a request asks for, however it asks. The
// OIDC `claims` parameter (Core 5.5) can name single claims without their scope; the consent page
// lists what is released, so a claim asked for that way shows up as the scope it belongs to.
import { errors, type ClaimsParameter } from 'oidc-provider';

/** amr/acr/auth_time on the openid scope puts them in every ID token (notes §2). */
export const CLAIMS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
  roles: ['roles'],
};

/** A `claims` request parameter as sent, parsed; undefined when absent or not a JSON object (the provider refuses those before any sign-in). */
function parseClaimsParameter(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

function membersOf(parsed: Record<string, unknown> | undefined, container: 'id_token' | 'userinfo'): Record<string, unknown> {
  const members = parsed?.[container];
  return typeof members === 'object' && members !== null ? members as Record<string, unknown> : {};
}

/** The claim names a `claims` request parameter asks for (id_token and userinfo); none when it is absent or not JSON. */
export function claimsParameterNames(value: unknown): string[] {
  const parsed = parseClaimsParameter(value);
  return (['id_token', 'userinfo'] as const).flatMap((container) => Object.keys(membersOf(parsed, container)));
}

/** What a `claims` request parameter asks of one ID token claim (`{"essential":true,"values":[…]}`), as sent; undefined when it names none. */
export function idTokenClaimRequest(value: unknown, claim: string): unknown {
  return membersOf(parseClaimsParameter(value), 'id_token')[claim] ?? undefined;
}

/**
 * The scopes whose data a request releases: the scopes it names, and the scope of every claim it
 * names on its own. Claims of no scope are not released (the provider only knows these), so they
 * add nothing.
 */
export function releasedScopes(scopes: readonly string[], claimNames: readonly string[]): string[] {
  const released = new Set(scopes);
  for (const [scope, claims] of Object.entries(CLAIMS_BY_SCOPE)) {
    if (claimNames.some((c) => claims.includes(c))) released.add(scope);
  }
  return [...released];
}

/**
 * The claims parameter's shape, checked at the authorization endpoint (oidc-provider's
 * assertClaimsParameter; its own rule is kept: each member null or an object). A `sub` asked for
 * by value must be a string: the provider compares any other value with the account id on the
 * return from our pages, where no account can match, and sent the browser round the sign-in page
 * for ever (found by a review). The request is refused with invalid_request instead.
 */
export function assertClaimsParameter(_ctx: unknown, claims: ClaimsParameter): void {
  for (const container of ['userinfo', 'id_token'] as const) {
    const members: unknown = claims[container];
    if (members === undefined) continue;
    for (const member of Object.values(members as Record<string, unknown>)) {
      if (member !== null && (typeof member !== 'object' || Array.isArray(member))) throw new errors.InvalidRequest(`claims.${container} members must be null or objects`);
    }
    const sub = (members as { sub?: { value?: unknown } | null }).sub;
    if (sub && 'value' in sub && typeof sub.value !== 'string') throw new errors.InvalidRequest(`claims.${container}.sub.value must be a string`);
  }
}
