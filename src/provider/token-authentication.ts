// How and when the person behind an access token signed in, stored with the token so that token
// introspection answers it (RFC 9470 §6.2, `acr` and `auth_time`): a resource server that
// introspects can then ask for a step-up itself, as the ID token lets the app do. Copied from the
// code or refresh token it was issued for, which carry that sign-in's level and time; tokens of
// a client alone (client_credentials) have no person and get nothing.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { effectiveAcr } from '../sign-in/assurance.ts';

interface SignInFacts { acr?: string | undefined; authTime?: number | undefined }
type TokenAuthentication = (ctx: KoaContextWithOIDC | undefined, token: { kind: string }) => { acr?: string; auth_time?: number } | undefined;

/**
 * The level is the one the IdP gives that sign-in now: aal2 counts for `aal2MaxAgeSeconds` after
 * auth_time, as for a session (effectiveAcr), so an access token from a refresh days later says
 * aal1 (found by a review: a refresh token lives 14 days). Wall-clock time, as auth_time is.
 */
export function tokenAuthentication(aal2MaxAgeSeconds: number, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): TokenAuthentication {
  return (ctx, token) => {
    if (token.kind !== 'AccessToken') return undefined;
    const entities = ctx?.oidc?.entities as { AuthorizationCode?: SignInFacts; RefreshToken?: SignInFacts } | undefined;
    const source = entities?.AuthorizationCode ?? entities?.RefreshToken;
    if (!source) return undefined;
    const acr = effectiveAcr(source.acr, source.authTime, nowSeconds(), aal2MaxAgeSeconds);
    return {
      ...(acr !== undefined ? { acr } : {}),
      ...(typeof source.authTime === 'number' ? { auth_time: source.authTime } : {}),
    };
  };
}
