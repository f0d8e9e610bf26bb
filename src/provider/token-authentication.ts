// How and when the person behind an access token signed in, stored with the token so that token
// introspection answers it (RFC 9470 §6.2, `acr` and `auth_time`): a resource server that
// introspects can then ask for a step-up itself, as the ID token lets the app do. Copied from the
// code or refresh token it was issued for, which carry that sign-in's level and time; tokens of
// a client alone (client_credentials) have no person and get nothing.
import type { KoaContextWithOIDC } from 'oidc-provider';

interface SignInFacts { acr?: string | undefined; authTime?: number | undefined }

export function tokenAuthentication(ctx: KoaContextWithOIDC | undefined, token: { kind: string }): { acr?: string; auth_time?: number } | undefined {
  if (token.kind !== 'AccessToken') return undefined;
  const entities = ctx?.oidc?.entities as { AuthorizationCode?: SignInFacts; RefreshToken?: SignInFacts } | undefined;
  const source = entities?.AuthorizationCode ?? entities?.RefreshToken;
  if (!source) return undefined;
  return {
    ...(typeof source.acr === 'string' ? { acr: source.acr } : {}),
    ...(typeof source.authTime === 'number' ? { auth_time: source.authTime } : {}),
  };
}
