// One person's sign-in the way a browser and a relying app do it, over plain HTTP:
// authorize → sign-in page → POST password (→ TOTP page → POST code) (→ consent) → callback →
// token exchange with PKCE. A fresh cookie jar each time, so the provider never finds a session.
import { createHash, randomBytes } from 'node:crypto';
import { timeStepAt, totpAt } from '../../src/factors/totp.ts';
import { basicAuth, formBody, type HttpClient, type HttpResponse } from '../support/http.ts';

export interface SignInClient {
  issuer: string;
  clientId: string;
  /** Confidential clients authenticate at the token endpoint; public ones send client_id only. */
  clientSecret?: string;
  redirectUri: string;
  scope: string;
  prompt?: string;
}

export interface Person { username: string; password: string; totpSecret?: string }

export interface SignInTimings {
  totalMs: number;
  /** Per step: 'login' (POST password), 'totp' (POST code), 'token' (code exchange). */
  steps: Record<string, number>;
  /** X-Request-Id of the TOTP POST, to find the server's own timing in its log. */
  totpRequestId?: string;
}

export interface SignInResult { timings: SignInTimings; tokens: Record<string, unknown> }

class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(res: HttpResponse): void {
    const lines = res.headers['set-cookie'] ?? [];
    for (const line of lines) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now());
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

const b64url = (b: Buffer) => b.toString('base64url');

function formOf(html: string): { action: string; fields: Record<string, string> } {
  // The first form on our pages is the step's own; the cancel form follows it.
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no form on the page: ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]?.match(/<input[^>]*>/g) ?? []) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    if (name) fields[name] = (/value="([^"]*)"/.exec(input)?.[1] ?? '').replace(/&amp;/g, '&');
  }
  return { action: (form[1] ?? '').replace(/&amp;/g, '&'), fields };
}

function decodeJwtPayload(jwt: unknown): Record<string, unknown> {
  if (typeof jwt !== 'string') throw new Error('no id_token in the token response');
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Runs one complete sign-in; throws with the step and status when anything is off. */
export async function signIn(http: HttpClient, client: SignInClient, person: Person): Promise<SignInResult> {
  const t0 = performance.now();
  const jar = new CookieJar();
  const steps: Record<string, number> = {};
  let totpRequestId: string | undefined;
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(12));
  const nonce = b64url(randomBytes(12));
  const authorize = new URL(`${client.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: client.clientId, response_type: 'code', redirect_uri: client.redirectUri, scope: client.scope, state, nonce,
    code_challenge: b64url(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256',
    ...(client.prompt ? { prompt: client.prompt } : {}),
  }).toString();

  const send = async (url: string, method: 'GET' | 'POST' = 'GET', fields?: Record<string, string>): Promise<HttpResponse> => {
    const cookie = jar.header();
    const res = await http.request(url, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(fields ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(fields ? { body: formBody(fields) } : {}),
    });
    jar.store(res);
    return res;
  };

  // Follows redirects until a page (200) or the relying app's callback.
  const follow = async (first: HttpResponse, from: string): Promise<{ url: string; res: HttpResponse }> => {
    let res = first;
    let url = from;
    for (let hops = 0; hops < 10; hops++) {
      const location = res.headers.location;
      if (res.status < 300 || res.status >= 400 || !location) return { url, res };
      url = new URL(location, url).href;
      if (url.startsWith(client.redirectUri)) return { url, res };
      res = await send(url);
    }
    throw new Error('too many redirects');
  };

  let at = await follow(await send(authorize.href), authorize.href);
  for (let pages = 0; pages < 5 && !at.url.startsWith(client.redirectUri); pages++) {
    if (at.res.status !== 200) throw new Error(`${at.url} answered ${at.res.status}: ${at.res.body.slice(0, 200)}`);
    const form = formOf(at.res.body);
    const action = new URL(form.action, at.url).href;
    let fields: Record<string, string>;
    let step: string;
    if (action.endsWith('/login')) {
      step = 'login';
      fields = { ...form.fields, username: person.username, password: person.password };
    } else if (action.endsWith('/totp')) {
      step = 'totp';
      if (!person.totpSecret) throw new Error(`${person.username} was asked for a TOTP code but has no secret`);
      fields = { ...form.fields, code: await totpAt(person.totpSecret, timeStepAt(Date.now())) };
    } else if (action.endsWith('/consent')) {
      step = 'consent';
      fields = form.fields;
    } else {
      throw new Error(`unexpected form ${action}`);
    }
    const s0 = performance.now();
    const posted = await send(action, 'POST', fields);
    steps[step] = performance.now() - s0;
    if (step === 'totp') totpRequestId = String(posted.headers['x-request-id'] ?? '');
    if (posted.status !== 303 && posted.status !== 302) throw new Error(`POST ${step} answered ${posted.status}`);
    at = await follow(posted, action);
  }
  const callback = new URL(at.url);
  const code = callback.searchParams.get('code');
  if (!code || callback.searchParams.get('state') !== state) throw new Error(`no code at the callback: ${at.url}`);

  const t1 = performance.now();
  const tokenRes = await http.request(`${client.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(client.clientSecret ? { authorization: basicAuth(client.clientId, client.clientSecret) } : {}),
    },
    body: formBody({
      grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier,
      ...(client.clientSecret ? {} : { client_id: client.clientId }),
    }),
  });
  steps['token'] = performance.now() - t1;
  if (tokenRes.status !== 200) throw new Error(`token exchange answered ${tokenRes.status}: ${tokenRes.body.slice(0, 200)}`);
  const tokens = JSON.parse(tokenRes.body) as Record<string, unknown>;
  // The relying app's own checks that cost nothing: the ID token is for this sign-in.
  if (decodeJwtPayload(tokens['id_token'])['nonce'] !== nonce) throw new Error('id_token nonce mismatch');
  return { timings: { totalMs: performance.now() - t0, steps, ...(totpRequestId ? { totpRequestId } : {}) }, tokens };
}
