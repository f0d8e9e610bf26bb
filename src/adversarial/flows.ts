// Shared moves for the attack tests: start a sign-in with hand-built parameters, walk our pages,
// read the callback, redeem a code at /token. Raw on purpose: an attacker does not use a library.
import { createHash, randomBytes } from 'node:crypto';
import { findForm, TestBrowser } from '../testing/browser.ts';
import type { TestIdp } from '../testing/harness.ts';
import { timeStepAt, totpAt } from '../factors/totp.ts';

/** The relying app's callback; never fetched (the browser stops there). */
export const REDIRECT = 'https://app.example.test/callback';
export const POST_LOGOUT = 'https://app.example.test/signed-out';

export interface Page { url: string; status: number; html: string; locations: string[] }

export interface TestClient { client_id: string; client_secret?: string }

export const PUBLIC_CLIENT: TestClient = { client_id: 'portal' };
export const CONFIDENTIAL_CLIENT: TestClient = { client_id: 'backoffice', client_secret: 'backoffice-secret-'.padEnd(48, 'x') };
export const THIRD_PARTY_CLIENT: TestClient = { client_id: 'insights', client_secret: 'insights-secret-'.padEnd(48, 'y') };

/** Registers the three clients every attack test uses. */
export async function addTestClients(idp: TestIdp): Promise<void> {
  const common = { redirect_uris: [REDIRECT], post_logout_redirect_uris: [POST_LOGOUT], grant_types: ['authorization_code', 'refresh_token'] };
  await idp.addClient({ ...common, client_id: PUBLIC_CLIENT.client_id, client_name: 'Portal', token_endpoint_auth_method: 'none', jullix_first_party: true });
  await idp.addClient({ ...common, ...CONFIDENTIAL_CLIENT, client_name: 'Back office', jullix_first_party: true });
  await idp.addClient({ ...common, ...THIRD_PARTY_CLIENT, client_name: 'Energy Insights' });
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface Started { url: string; verifier: string; state: string; nonce: string }

/** An /auth URL for `client` with PKCE, state and nonce; `extra` overrides or adds parameters. */
export function authRequest(idp: TestIdp, client: TestClient, extra: Record<string, string> = {}): Started {
  const { verifier, challenge } = pkce();
  const state = randomBytes(9).toString('base64url');
  const nonce = randomBytes(9).toString('base64url');
  const params = new URLSearchParams({
    client_id: client.client_id, response_type: 'code', scope: 'openid profile', redirect_uri: REDIRECT,
    code_challenge: challenge, code_challenge_method: 'S256', state, nonce, ...extra,
  });
  return { url: `${idp.url}/auth?${params.toString()}`, verifier, state: params.get('state') ?? '', nonce: params.get('nonce') ?? '' };
}

/** Follows redirects from `url`; stops when one leaves the IdP, e.g. at the app's callback (html is then ''). */
export async function open(browser: TestBrowser, url: string, init: RequestInit = {}): Promise<Page> {
  const locations: string[] = [];
  let current = url;
  let res = await browser.request(current, init);
  for (let hop = 0; hop < 20; hop++) {
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) break;
    locations.push(location);
    current = new URL(location, current).href;
    if (new URL(current).origin !== new URL(url).origin) return { url: current, status: res.status, html: '', locations };
    res = await browser.request(current);
  }
  return { url: current, status: res.status, html: await res.text(), locations };
}

/** Submits the page's form whose action contains `action`, then follows like `open`. */
export async function submit(browser: TestBrowser, page: Page, action: string, values: Record<string, string> = {}): Promise<Page> {
  const form = findForm(page.html, action, page.url);
  return open(browser, form.action, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form.fields, ...values }).toString(),
  });
}

export { csrfOf, recoveryCodesOf, secretOf } from '../testing/browser.ts';
export const isCallback = (url: string): boolean => url.startsWith(REDIRECT);

export function codeFor(secret: string, nowMs: number): Promise<string> {
  return totpAt(secret, timeStepAt(nowMs));
}

/** Opens an /auth request and submits the password; returns the page after it (or the callback). */
export async function passwordStep(browser: TestBrowser, idp: TestIdp, client: TestClient, username: string, password: string, extra: Record<string, string> = {}) {
  const started = authRequest(idp, client, extra);
  const login = await open(browser, started.url);
  return { started, login, page: await submit(browser, login, '/login', { username, password }) };
}

/** Redeems a code at /token (Basic auth for confidential clients). Returns status and JSON. */
export async function redeem(idp: TestIdp, client: TestClient, code: string, verifier: string | undefined): Promise<{ status: number; json: Record<string, unknown> }> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  if (verifier !== undefined) body.set('code_verifier', verifier);
  return tokenRequest(idp, client, body);
}

export async function tokenRequest(idp: TestIdp, client: TestClient, body: URLSearchParams, path = '/token'): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.client_secret) headers.authorization = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
  else body.set('client_id', client.client_id);
  const res = await fetch(`${idp.url}${path}`, { method: 'POST', headers, body: body.toString() });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Whether `token` is active, asked by the client the token belongs to. */
export async function isActive(idp: TestIdp, client: TestClient, token: string): Promise<boolean> {
  const res = await tokenRequest(idp, client, new URLSearchParams({ token }), '/token/introspection');
  return res.json.active === true;
}

export function newBrowser(headers: Record<string, string> = {}): TestBrowser {
  return new TestBrowser({ 'accept-language': 'en', ...headers });
}

/** A full password sign-in with offline_access (consent page answered) and the redeemed tokens. */
export async function signInForTokens(browser: TestBrowser, idp: TestIdp, client: TestClient, username: string, password: string) {
  const { started, page } = await passwordStep(browser, idp, client, username, password, { scope: 'openid profile offline_access', prompt: 'consent' });
  const callback = isCallback(page.url) ? page : await submit(browser, page, '/consent');
  const code = new URL(callback.url).searchParams.get('code');
  if (!code) throw new Error(`no code at the callback: ${callback.status} ${callback.url}`);
  const tokens = await redeem(idp, client, code, started.verifier);
  if (tokens.status !== 200) throw new Error(`token request failed: ${JSON.stringify(tokens.json)}`);
  return { code, started, tokens: tokens.json as { access_token: string; refresh_token: string; id_token: string } };
}

/** The provider's logout confirmation form (its action and the xsrf field). */
export function findLogoutForm(html: string, baseUrl: string) {
  return findForm(html, '/session/end/confirm', baseUrl);
}
