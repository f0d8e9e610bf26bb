// A relying app for integration tests, built on openid-client: starts a code + PKCE sign-in, drives
// our pages through TestBrowser, and redeems the code. It trusts nothing the IdP did not sign.
import * as oidc from 'openid-client';
import { findForm, TestBrowser } from './browser.ts';

export interface RpOptions { issuer: string; clientId: string; clientSecret?: string; redirectUri: string }

export async function discover(o: RpOptions): Promise<oidc.Configuration> {
  const auth = o.clientSecret ? oidc.ClientSecretBasic(o.clientSecret) : oidc.None();
  return oidc.discovery(new URL(o.issuer), o.clientId, o.clientSecret, auth, { execute: [oidc.allowInsecureRequests] });
}

export interface Started { url: URL; verifier: string; state: string; nonce: string }

export async function startSignIn(config: oidc.Configuration, o: RpOptions, extra: Record<string, string> = {}): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: o.redirectUri, scope: 'openid profile email roles',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Opens the authorization URL and returns the page the browser lands on (our sign-in page). */
export async function openSignInPage(browser: TestBrowser, started: Started, redirectUri: string) {
  const landed = await browser.follow(started.url.href, (u) => u.startsWith(redirectUri));
  return { url: landed.url, status: landed.res.status, html: landed.url.startsWith(redirectUri) ? '' : await landed.res.text() };
}

/** Submits the form whose action contains `action` and follows redirects; stops at the callback. */
export async function submit(browser: TestBrowser, pageUrl: string, html: string, action: string, values: Record<string, string>, redirectUri: string) {
  const form = findForm(html, action, pageUrl);
  const res = await browser.postForm(form.action, { ...form.fields, ...values });
  const location = res.headers.get('location');
  if (res.status !== 303 && res.status !== 302) return { url: form.action, status: res.status, html: await res.text() };
  const next = new URL(location ?? '', form.action).href;
  if (next.startsWith(redirectUri)) return { url: next, status: res.status, html: '' };
  const landed = await browser.follow(next, (u) => u.startsWith(redirectUri));
  return { url: landed.url, status: landed.res.status, html: landed.url.startsWith(redirectUri) ? '' : await landed.res.text() };
}

export async function redeem(config: oidc.Configuration, callbackUrl: string, started: Started) {
  return oidc.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce,
  });
}

/** Full password sign-in: authorize → sign-in page → POST → callback → tokens. */
export async function passwordSignIn(browser: TestBrowser, config: oidc.Configuration, o: RpOptions, username: string, password: string, extra: Record<string, string> = {}) {
  const started = await startSignIn(config, o, extra);
  const page = await openSignInPage(browser, started, o.redirectUri);
  const after = await submit(browser, page.url, page.html, '/login', { username, password }, o.redirectUri);
  if (!after.url.startsWith(o.redirectUri)) throw new Error(`sign-in did not reach the callback: ${after.status} ${after.url}`);
  return redeem(config, after.url, started);
}

/**
 * Registers the portal (a first-party public client with `redirectUri`) on a test IdP and discovers
 * it: the relying app most integration tests sign in through.
 */
export async function addPortal(idp: { config: { issuer: string }; addClient(metadata: Record<string, unknown>): Promise<unknown> }, redirectUri: string): Promise<{ rp: RpOptions; config: oidc.Configuration }> {
  await idp.addClient({ client_id: 'portal', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', jullix_first_party: true });
  const rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri };
  return { rp, config: await discover(rp) };
}
