// The account page is signed in through the provider's own flow: without a provider session it
// sends the browser to /auth as the built-in "jullix-account" client and comes back here.
import { randomBytes, createHash } from 'node:crypto';
import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID, ACCOUNT_PATH } from '../../src/provider/account-client.ts';
import type { AccountDeps } from './deps.ts';
import { SESSION_COOKIE } from '../../src/provider/configuration.ts';

const STATE_COOKIE = 'jullix_account_state';

/** `uid` is the session's stable id (the row id changes at each sign-in); tokens name it. */
export interface AccountSession { id: string; uid: string; accountId: string; expiresAtMs: number }

/**
 * The provider session this browser holds (its signed `_session` cookie), if signed in. Using the
 * account page counts as activity: it restarts the idle timeout, as a request to /auth does.
 */
export async function currentSession(ctx: Context, deps: Pick<AccountDeps, 'provider' | 'extendSession'>): Promise<AccountSession | undefined> {
  const id = ctx.cookies.get('_session', { signed: true });
  if (!id || id.length > 128) return undefined;
  const session = await deps.provider.Session.find(id);
  if (!session?.accountId) return undefined;
  const extendedMs = await deps.extendSession(id);
  if (extendedMs !== undefined) {
    // Same name, options and keys as the provider's own cookie, with the new expiry.
    ctx.cookies.set('_session', id, { ...SESSION_COOKIE, signed: true, overwrite: true, ...(session.transient ? {} : { expires: new Date(extendedMs) }) });
  }
  return { id, uid: session.uid, accountId: session.accountId, expiresAtMs: extendedMs ?? session.exp * 1000 };
}

export function signInRedirect(ctx: Context, issuer: string, base: string, uiLocales?: string): void {
  const state = randomBytes(16).toString('base64url');
  ctx.cookies.set(STATE_COOKIE, state, { signed: true, httpOnly: true, sameSite: 'lax', path: base, maxAge: 10 * 60 * 1000, overwrite: true });
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: `${issuer}${ACCOUNT_PATH}/callback`,
    state,
    // PKCE is required for public clients; the code itself is never redeemed (the session is what we need).
    code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'), code_challenge_method: 'S256',
    ...(uiLocales ? { ui_locales: uiLocales } : {}),
  }).toString();
  ctx.redirect(url.href);
}

/** True when the callback answers our own sign-in request (state matches the cookie). */
export function callbackMatches(ctx: Context, base: string): boolean {
  const expected = ctx.cookies.get(STATE_COOKIE, { signed: true });
  ctx.cookies.set(STATE_COOKIE, null, { path: base });
  const state = ctx.query.state;
  return typeof state === 'string' && !!expected && state === expected && typeof ctx.query.code === 'string';
}
