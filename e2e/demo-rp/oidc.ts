// The demo app's OpenID Connect side, on openid-client 6: discovery (cached, retried after a
// failure), the authorization URL (code + PKCE S256, state, nonce), the code exchange with every
// check, and the RP-initiated logout URL.
import * as oidc from 'openid-client';
import type { PendingSignIn, SignedIn } from './sessions.ts';

export interface RpClientOptions { issuer: string; clientId: string; clientSecret?: string | undefined }

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const SCOPE = 'openid profile email roles';

export function createOidc(o: RpClientOptions) {
  const issuer = new URL(o.issuer);
  // Plain http is accepted for an IdP on this machine only (development and tests).
  const insecureOk = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
  let configuration: Promise<oidc.Configuration> | undefined;

  function config(): Promise<oidc.Configuration> {
    configuration ??= oidc.discovery(
      issuer, o.clientId, o.clientSecret,
      o.clientSecret ? oidc.ClientSecretBasic(o.clientSecret) : oidc.None(),
      { execute: insecureOk ? [oidc.allowInsecureRequests] : [] },
    ).catch((err: unknown) => {
      configuration = undefined;
      throw err;
    });
    return configuration;
  }

  return {
    async authorizationUrl(redirectUri: string, opts: { stepUp: boolean; uiLocales?: string | undefined }): Promise<{ url: URL; pending: PendingSignIn }> {
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier, stepUp: opts.stepUp, startedAt: Date.now() };
      const params: Record<string, string> = {
        redirect_uri: redirectUri, scope: SCOPE, state: pending.state, nonce: pending.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
      };
      // acr_values is a voluntary request (OIDC Core 3.1.2.1): the ID token's acr says what we got.
      if (opts.stepUp) params['acr_values'] = 'aal2';
      if (opts.uiLocales) params['ui_locales'] = opts.uiLocales;
      return { url: oidc.buildAuthorizationUrl(await config(), params), pending };
    },

    /** Validates the callback (iss, state, error), redeems the code, checks the ID token and nonce. */
    async redeem(callbackUrl: URL, pending: PendingSignIn): Promise<SignedIn> {
      const c = await config();
      const tokens = await oidc.authorizationCodeGrant(c, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims || !tokens.id_token) throw new Error('the token response has no ID token');
      const userinfo = await oidc.fetchUserInfo(c, tokens.access_token, claims.sub).catch(() => undefined);
      return { idToken: tokens.id_token, claims: { ...claims }, userinfo: userinfo ? { ...userinfo } : undefined, stepUpRequested: pending.stepUp };
    },

    async endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<URL> {
      return oidc.buildEndSessionUrl(await config(), { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri });
    },
  };
}

export type RpOidc = ReturnType<typeof createOidc>;

/** What went wrong, in the IdP's own words when it said something (error + error_description). */
export function describeError(err: unknown): { error: string; description?: string | undefined } {
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) {
    return { error: err.error, description: err.error_description };
  }
  if (!(err instanceof Error)) return { error: 'sign_in_failed', description: String(err) };
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, …) is in its cause.
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return { error: 'sign_in_failed', description: `${err.message}${cause}` };
}
