// What the fuzzer attacks: every endpoint the IdP serves (protocol, interaction steps, account page,
// assets), each with the parameters it reads, and how one malformed request for it is built.
import { fuzzJsonValue, fuzzValue, headerSafe, HUGE, type Random } from './random.ts';
import type { RawRequest } from './raw-http.ts';
import { POST_LOGOUT, REDIRECT } from './flows.ts';

export interface LiveFlow { uid: string; cookie: string; csrf: string }
export type FlowName = 'login' | 'consent' | 'enrol' | 'totp';

/** Live state the requests can borrow: real interactions, a signed-in session, real tokens. */
export interface FuzzContext {
  flows: Record<FlowName, LiveFlow>;
  account: { cookie: string; csrf: string };
  reg: { id: string; token: string };
  tokens: { access: string; refresh: string; idToken: string };
  initialAccessToken: string;
  basicAuth: string;
}

interface Target {
  name: string;
  methods: readonly string[];
  path(c: FuzzContext, r: Random): string;
  params: readonly string[];
  /** The live interaction (cookie + CSRF token) this endpoint belongs to. */
  flow?: (r: Random) => FlowName;
  session?: boolean;
  auth?: 'client' | 'bearer' | 'registration';
  json?: boolean;
}

const AUTH_PARAMS = ['client_id', 'response_type', 'scope', 'redirect_uri', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age',
  'ui_locales', 'acr_values', 'claims', 'login_hint', 'id_token_hint', 'response_mode', 'request', 'request_uri', 'resource', 'display', 'claims_locales', 'dpop_jkt'];
const TOKEN_PARAMS = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'client_id', 'client_secret', 'scope', 'resource', 'client_assertion', 'client_assertion_type'];
const METADATA = ['redirect_uris', 'client_name', 'grant_types', 'response_types', 'token_endpoint_auth_method', 'post_logout_redirect_uris', 'backchannel_logout_uri',
  'jwks', 'default_acr_values', 'logo_uri', 'client_uri', 'application_type', 'scope', 'jullix_first_party', 'id_token_signed_response_alg', 'contacts'];
const STEP_FIELDS = ['csrf', 'username', 'password', 'code'];
const ACCOUNT_FIELDS = ['csrf', 'password', 'code', 'new_password', 'new_password_repeat', 'end_other_sessions', 'client_id'];

// Through a Buffer first: lone surrogates become U+FFFD, which encodeURIComponent accepts.
const fuzzUid = (r: Random) => encodeURIComponent(Buffer.from(fuzzValue(r).slice(0, 80)).toString('utf8')) || 'x';
const uidOr = (c: FuzzContext, r: Random, flow: FlowName) => (r.chance(0.75) ? c.flows[flow].uid : fuzzUid(r));
const step = (name: string, flow: (r: Random) => FlowName): Target => ({
  name: `POST /interaction/:uid/${name}`, methods: ['POST'], params: STEP_FIELDS, flow,
  path: (c, r) => `/interaction/${uidOr(c, r, flow(r))}/${name}`,
});
const accountAction = (sub: string): Target => ({ name: `POST /account${sub}`, methods: ['POST'], params: ACCOUNT_FIELDS, session: true, path: () => `/account${sub}` });

export const TARGETS: readonly Target[] = [
  { name: 'GET /.well-known/openid-configuration', methods: ['GET'], params: [], path: () => '/.well-known/openid-configuration' },
  { name: 'GET /jwks', methods: ['GET'], params: [], path: () => '/jwks' },
  { name: '/auth', methods: ['GET', 'POST'], params: AUTH_PARAMS, session: true, path: () => '/auth' },
  { name: 'GET /auth/:uid', methods: ['GET'], params: [], flow: () => 'login', path: (c, r) => `/auth/${uidOr(c, r, 'login')}` },
  { name: 'POST /request', methods: ['POST'], params: AUTH_PARAMS, auth: 'client', path: () => '/request' },
  { name: 'POST /token', methods: ['POST'], params: TOKEN_PARAMS, auth: 'client', path: () => '/token' },
  { name: '/me', methods: ['GET', 'POST'], params: ['access_token', 'claims'], auth: 'bearer', path: () => '/me' },
  { name: 'POST /token/introspection', methods: ['POST'], params: ['token', 'token_type_hint', 'client_id', 'client_secret'], auth: 'client', path: () => '/token/introspection' },
  { name: 'POST /token/revocation', methods: ['POST'], params: ['token', 'token_type_hint', 'client_id', 'client_secret'], auth: 'client', path: () => '/token/revocation' },
  { name: 'POST /reg', methods: ['POST'], params: METADATA, auth: 'registration', json: true, path: () => '/reg' },
  { name: '/reg/:id', methods: ['GET', 'PUT', 'DELETE'], params: METADATA, auth: 'registration', json: true, path: (c, r) => `/reg/${r.chance(0.7) ? c.reg.id : fuzzUid(r)}` },
  { name: '/session/end', methods: ['GET', 'POST'], params: ['id_token_hint', 'post_logout_redirect_uri', 'state', 'ui_locales', 'client_id', 'logout_hint'], session: true, path: () => '/session/end' },
  { name: 'POST /session/end/confirm', methods: ['POST'], params: ['xsrf', 'logout', 'post_logout_redirect_uri', 'state'], session: true, path: () => '/session/end/confirm' },
  { name: 'GET /session/end/success', methods: ['GET'], params: ['client_id', 'state'], path: () => '/session/end/success' },
  { name: 'GET /interaction/:uid', methods: ['GET'], params: ['ui_locales'], flow: (r) => r.pick(['login', 'consent', 'enrol', 'totp'] as const), path: (c, r) => `/interaction/${uidOr(c, r, r.pick(['login', 'consent', 'enrol', 'totp'] as const))}` },
  step('login', () => 'login'),
  step('totp', (r) => r.pick(['totp', 'enrol'] as const)),
  step('enrol', (r) => r.pick(['enrol', 'totp'] as const)),
  step('continue', (r) => r.pick(['enrol', 'totp', 'login'] as const)),
  step('consent', (r) => r.pick(['consent', 'login'] as const)),
  step('abort', (r) => r.pick(['login', 'consent', 'enrol', 'totp'] as const)),
  { name: 'GET /account', methods: ['GET'], params: ['notice', 'ui_locales'], session: true, path: () => '/account' },
  { name: 'GET /account/callback', methods: ['GET'], params: ['state', 'code', 'error', 'iss'], session: true, path: () => '/account/callback' },
  accountAction('/2fa/enable'), accountAction('/2fa/enrol'), accountAction('/2fa/disable'), accountAction('/recovery-codes'), accountAction('/password'), accountAction('/apps/revoke'),
  { name: 'GET /assets/*', methods: ['GET'], params: [], path: (_c, r) => r.pick(['/assets/style.css', '/assets/enrol.js', '/assets/../package.json', '/assets/%2e%2e/src/app.ts', '/assets/style.css%00.js', '/assets/']) },
  { name: 'GET /lang', methods: ['GET'], params: ['set', 'back'], path: () => '/lang' },
  { name: 'GET /health/*', methods: ['GET'], params: [], path: (_c, r) => r.pick(['/health/live', '/health/ready', '/health/', '/health/%2e%2e']) },
  { name: 'unknown path', methods: ['GET', 'POST'], params: ['x'], path: (_c, r) => r.pick(['/', '/admin', '/.env', '/.git/config', '/interaction', '/interaction/', '/auth/', '/token/', '/%', '/%zz', '/..%2f..%2fetc/passwd', `/${fuzzUid(r)}`, '//evil.example', '/account/../admin', '/ACCOUNT', '/Auth']) },
];

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'FOO'];
const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-16', 'APPLICATION/X-WWW-FORM-URLENCODED;;;', 'application/json',
  'text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', '*/*', ''];
const RAW_JUNK = ['&%zz=1', '&a=%E0%A4%A', '&%ED%A0%80=surrogate', '&=&&==', '&a[]=1&a[b]=2', '&__proto__[x]=1', '&;;;', '&%2', '&a=%00%00'];

/** A value for `name` that the endpoint could accept, so requests also get past the first checks. */
function plausible(name: string, c: FuzzContext, r: Random): string | undefined {
  const known: Record<string, () => string> = {
    client_id: () => r.pick(['portal', 'backoffice', 'insights', 'jullix-account', c.reg.id]),
    redirect_uri: () => REDIRECT, post_logout_redirect_uri: () => POST_LOGOUT, response_type: () => 'code', scope: () => 'openid profile email',
    code_challenge: () => 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: () => 'S256', state: () => 'st', nonce: () => 'n0',
    grant_type: () => r.pick(['authorization_code', 'refresh_token', 'client_credentials']), refresh_token: () => c.tokens.refresh, token: () => r.pick([c.tokens.access, c.tokens.refresh]),
    id_token_hint: () => c.tokens.idToken, access_token: () => c.tokens.access, username: () => r.pick(['fuzz-nobody', 'x@example.test']), password: () => 'not-the-password',
    redirect_uris: () => JSON.stringify([REDIRECT]), logout: () => 'yes', set: () => r.pick(['en', 'nl', 'fr']), back: () => '/account',
  };
  return known[name]?.();
}

function pickParams(t: Target, c: FuzzContext, r: Random): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of t.params) {
    if (r.chance(0.3)) continue;
    const value = r.chance(0.5) ? (plausible(name, c, r) ?? fuzzValue(r)) : fuzzValue(r);
    out.push([name, value]);
    if (r.chance(0.08)) out.push([name, fuzzValue(r)]);
  }
  if (r.chance(0.15)) out.push([fuzzValue(r).slice(0, 50) || 'unknown', fuzzValue(r)]);
  return out;
}

function encode(params: Array<[string, string]>, r: Random): string {
  const s = new URLSearchParams(params).toString();
  return r.chance(0.12) ? s + r.pick(RAW_JUNK) : s;
}

function jsonBody(t: Target, c: FuzzContext, r: Random): string {
  if (r.chance(0.1)) return r.pick(['{', '{"a":', '[1,2', 'nul', '{"redirect_uris":["', '\u0000', '{"a":1}}', '"just a string"', '1e999', '{"__proto__":{"x":1}}']);
  const body: Record<string, unknown> = {};
  for (const name of t.params) {
    if (r.chance(0.4)) continue;
    body[name] = r.chance(0.4) ? (name === 'redirect_uris' || name === 'post_logout_redirect_uris' ? [REDIRECT] : plausible(name, c, r) ?? fuzzJsonValue(r)) : fuzzJsonValue(r);
  }
  return JSON.stringify(body);
}

function authorization(t: Target, c: FuzzContext, r: Random): string | undefined {
  if (r.chance(0.25)) return r.pick(['Basic', 'Basic !!!', `Basic ${Buffer.from(':').toString('base64')}`, 'Bearer', 'Bearer ' + 'A'.repeat(5000), 'Digest x', 'Basic ' + Buffer.from(headerSafe(fuzzValue(r)).slice(0, 500)).toString('base64'), headerSafe(fuzzValue(r))]);
  if (t.auth === 'client') return r.chance(0.6) ? c.basicAuth : undefined;
  if (t.auth === 'bearer') return r.chance(0.6) ? `Bearer ${c.tokens.access}` : undefined;
  if (t.auth === 'registration') return r.chance(0.6) ? `Bearer ${r.chance(0.5) ? c.reg.token : c.initialAccessToken}` : undefined;
  return undefined;
}

function cookieFor(t: Target, c: FuzzContext, r: Random): string | undefined {
  const roll = r.next();
  if (roll < 0.15) return r.pick(['_interaction=x; _interaction.sig=y', '_session=' + 'a'.repeat(200), 'jullix_device=a.b; jullix_device.sig=zz', `_session=${headerSafe(fuzzValue(r)).replace(/;/g, '')}`, '=; ;=']);
  if (roll < 0.3) return undefined;
  if (t.flow) return c.flows[t.flow(r)].cookie;
  if (t.session) return c.account.cookie;
  return undefined;
}

function extraHeaders(r: Random): Record<string, string> {
  const h: Record<string, string> = {};
  if (r.chance(0.6)) h.accept = r.pick(['text/html', 'application/json', '*/*', 'text/html;q=0, application/json', 'image/png', '', 'x/y;q=abc']);
  if (r.chance(0.1)) h['accept-language'] = headerSafe(r.pick(['en', 'nl;q=x', 'fr-CA,*;q=0.1', fuzzValue(r)]));
  if (r.chance(0.05)) h['x-forwarded-proto'] = r.pick(['https', 'http', 'gopher', 'https, http', '']);
  if (r.chance(0.05)) h['x-forwarded-host'] = r.pick(['evil.example', 'evil.example:99999', '[::1', 'a b', '']);
  if (r.chance(0.03)) h.host = r.pick(['evil.example', 'localhost:99999', '[::1', 'a b', 'user@evil.example', 'x'.repeat(300), '']);
  if (r.chance(0.05)) h.origin = r.pick(['https://app.example.test', 'https://evil.example', 'null']);
  return h;
}

/** One malformed request for a randomly chosen target. */
export function buildRequest(c: FuzzContext, r: Random): { target: string; request: RawRequest } {
  const t = r.pick(TARGETS);
  const method = r.chance(0.85) ? r.pick(t.methods) : r.pick(OTHER_METHODS);
  const params = pickParams(t, c, r);
  if (t.flow || t.session) {
    // Our forms carry a CSRF token: the right one most of the time, so the handlers behind it run.
    const flow = t.flow ? c.flows[t.flow(r)] : c.account;
    if (params.some(([k]) => k === 'csrf') && r.chance(0.7)) params.push(['csrf', flow.csrf]);
    if (r.chance(0.3)) params.unshift(['csrf', flow.csrf]);
  }
  let path = t.path(c, r);
  const headers: Record<string, string | string[]> = { ...extraHeaders(r) };
  const auth = authorization(t, c, r);
  if (auth !== undefined) headers.authorization = auth;
  const cookie = cookieFor(t, c, r);
  if (cookie !== undefined) headers.cookie = cookie;
  if (r.chance(0.03)) path += r.pick(['/', '//', '%2F', '/.', ';x=1', '%00']);
  let body: string | undefined;
  const bodyless = method === 'GET' || method === 'HEAD' || method === 'DELETE';
  if (bodyless && !r.chance(0.05)) {
    const q = encode(params, r);
    if (q) path += `?${q}`;
  } else {
    const type = t.json ? (r.chance(0.75) ? 'application/json' : r.pick(CONTENT_TYPES)) : (r.chance(0.75) ? 'application/x-www-form-urlencoded' : r.pick(CONTENT_TYPES));
    if (type) headers['content-type'] = type;
    body = type.toLowerCase().includes('json') ? jsonBody(t, c, r) : encode(params, r);
    if (r.chance(0.03)) body = 'a=' + 'A'.repeat(HUGE);
    if (r.chance(0.03)) body = '';
  }
  return { target: t.name, request: { method, path, headers, ...(body === undefined ? {} : { body }) } };
}
