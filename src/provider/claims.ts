// Which claims each scope releases (oidc-provider's `claims` setting), and the reverse question the
// consent page must answer: which scopes' worth of data a request asks for, however it asks. The
// OIDC `claims` parameter (Core 5.5) can name single claims without their scope; the consent page
// lists what is released, so a claim asked for that way shows up as the scope it belongs to.

/** amr/acr/auth_time on the openid scope puts them in every ID token (notes §2). */
export const CLAIMS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
  roles: ['roles'],
};

/** The claim names a `claims` request parameter asks for (id_token and userinfo); none when it is absent or not JSON. */
export function claimsParameterNames(value: unknown): string[] {
  if (typeof value !== 'string' || value === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return []; // the provider refuses such a request before any consent is asked
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  return ['id_token', 'userinfo'].flatMap((target) => {
    const members = (parsed as Record<string, unknown>)[target];
    return typeof members === 'object' && members !== null ? Object.keys(members) : [];
  });
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
