// oidc-provider's configuration: what the protocol side of the IdP does. Everything here is from
// oidc-provider's documented options; we only choose values (see ../shared/notes/oidc-provider.md).
import { assertClaimsParameter, CLAIMS_BY_SCOPE } from './claims.ts';
import type { Configuration, ErrorOut, JWK, KoaContextWithOIDC, errors } from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { Secrets } from '../config/secrets.ts';
import { FIRST_PARTY, OPERATOR_REQUIRES_MFA } from './client-metadata.ts';
import { interactionPolicyWithStepUp } from './step-up.ts';
import { accountClient } from './account-client.ts';
import { registrationPolicies } from './registration-policy.ts';
import type { GrantRegistry } from './grants.ts';
import type { Clock } from '../security/clock.ts';
import { sessionTtlSeconds } from '../sign-in/session-lifetime.ts';
import { randomBytes } from 'node:crypto';
import { mayCallLoopback } from './redirect-uris.ts';
import { tokenAuthentication } from './token-authentication.ts';

/** Pages the provider renders itself; supplied by interactions/ through the composition root. */
export interface ProviderPages {
  renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: errors.OIDCProviderError | Error): void | Promise<void>;
  logoutSource(ctx: KoaContextWithOIDC, form: string): void | Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): void | Promise<void>;
}

export interface ProviderConfigDeps {
  config: Config;
  secrets: Secrets;
  /** The signing keys now (src/provider/keys-ring.ts): a key rotation builds a new provider with new ones. */
  jwks: { keys: JWK[] };
  adapter: NonNullable<Configuration['adapter']>;
  findAccount: NonNullable<Configuration['findAccount']>;
  pages: ProviderPages;
  grants: GrantRegistry;
  /** The adapter's clock: a session's ttl becomes its row's expiry on this clock. */
  clock: Clock;
}

export const ACR_VALUES = ['aal1', 'aal2'] as const;
/** Options of the provider's cookies; the account page re-sets `_session` with the same ones. */
export const SESSION_COOKIE = { httpOnly: true, sameSite: 'lax' } as const;
export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'roles'];
/** The longest-lived thing a signing key signs: a retired key stays published at least this long. */
export const ID_TOKEN_TTL_SECONDS = 3600;
export { FIRST_PARTY } from './client-metadata.ts';

function interactionsBase(issuer: string): string {
  const p = new URL(issuer).pathname.replace(/\/$/, '');
  return `${p}/interaction`;
}

export function providerConfiguration(deps: ProviderConfigDeps): Configuration {
  const { config, secrets, pages } = deps;
  const base = interactionsBase(config.issuer);
  return {
    adapter: deps.adapter,
    findAccount: deps.findAccount,
    jwks: deps.jwks,
    clients: [accountClient(config.issuer)],
    cookies: { keys: secrets.cookieKeys, long: { ...SESSION_COOKIE }, short: { ...SESSION_COOKIE } },
    acrValues: [...ACR_VALUES],
    claims: Object.fromEntries(Object.entries(CLAIMS_BY_SCOPE).map(([scope, claims]) => [scope, [...claims]])),
    scopes: SCOPES,
    responseTypes: ['code'],
    // OIDC Core 3.1.2.1 makes redirect_uri REQUIRED in the authentication request (and RFC 6749
    // §4.1.3 at the token endpoint when it was sent): an app that leaves it out gets invalid_request
    // instead of whichever URI happens to be its only registered one.
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    extraClientMetadata: { properties: [FIRST_PARTY, OPERATOR_REQUIRES_MFA] },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true, assertClaimsParameter },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // The default lets any confidential client introspect any token: only the token's own client may.
        allowedPolicy: (_ctx, client, token) => 'clientId' in token && token.clientId === client.clientId,
      },
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => 'clientId' in token && token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: pages.logoutSource, postLogoutSuccessSource: pages.postLogoutSuccessSource },
      backchannelLogout: { enabled: true },
      // RFC 7591: registration needs an operator-issued initial access token; its policy makes the app third-party.
      registration: {
        enabled: true, initialAccessToken: true, policies: registrationPolicies(),
        // Hex ids: nothing that starts with '-' and reads as an option on the admin CLI.
        idFactory: () => randomBytes(16).toString('hex'),
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      // Resource servers are not configured here (no audiences, no per-API scopes), and oidc-provider
      // enables RFC 8707 by default with a resolver that refuses every `resource`: an app that sent
      // one got invalid_target. Off, a `resource` parameter is ignored, as for any IdP without it.
      resourceIndicators: { enabled: false },
    },
    interactions: { policy: interactionPolicyWithStepUp(config.mfa.aal2MaxAgeSeconds), url: (_ctx, interaction) => `${base}/${interaction.uid}` },
    // First-party apps (set by an operator) get no consent screen: their grant is made or widened here.
    async loadExistingGrant(ctx) {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      // The session's own grant, else consent the person gave this app in an earlier session.
      const existingId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId) ?? await deps.grants.find(session.accountId, client.clientId);
      const existing = existingId ? await provider.Grant.find(existingId) : undefined;
      if (client.metadata()[FIRST_PARTY] !== true) return existing;
      const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope([...(ctx.oidc.requestParamOIDCScopes ?? ['openid'])].join(' '));
      const claims = [...(ctx.oidc.requestParamClaims ?? [])];
      if (claims.length > 0) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((u) => new URL(u).origin === origin) ?? false,
    renderError: pages.renderError,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: ID_TOKEN_TTL_SECONDS,
      Interaction: config.sessions.interactionTtlSeconds,
      // The provider re-saves a signed-in session on every request through /auth (and /session/end),
      // so this idle window slides with each use; it is cut at the absolute lifetime from loginTs
      // (the last sign-in or step-up). The _session cookie's expiry follows the same value.
      Session: (_ctx, session) => sessionTtlSeconds(config.sessions, session.loginTs, deps.clock.now()),
      Grant: 14 * 86400,
      RefreshToken: 14 * 86400,
    },
    rotateRefreshToken: true,
    extraTokenClaims: tokenAuthentication(config.mfa.aal2MaxAgeSeconds),
    fetch: backchannelFetch(config.issuer),
  };
}

/** Back-channel calls, with oidc-provider's SSRF guard lifted only where `mayCallLoopback` allows. */
function backchannelFetch(issuer: string): NonNullable<Configuration['fetch']> {
  return (url, init) => {
    const target = String(url instanceof Request ? url.url : url);
    if (init && mayCallLoopback(issuer, target)) delete (init as { dispatcher?: unknown }).dispatcher;
    return globalThis.fetch(url, init);
  };
}
