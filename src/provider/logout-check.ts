// The logout confirm that signs a browser out of one app only (RP-Initiated Logout without
// logout=yes) keeps the session, under a new id (oidc-provider's end_session resetIdentifier),
// saved at the end of the request. A sign-out of the account (a password reset, reset-2fa,
// disable, "sign out everywhere else") that ran between the provider's load of the session and
// that save never saw the new row, and whoever held the old session kept single sign-on (review).
// So the account's sign-out count is read before the provider runs and again once it has saved:
// if it moved and the session now has another id, that session is ended. A sign-out after the
// second read finds the new row, which was saved before it.
import type Koa from 'koa';
import type { Knex } from 'knex';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../security/clock.ts';
import type { Logger } from '../log.ts';
import { signOutCountNow } from '../accounts/store.ts';
import { endSessionByUid, sessionAccountCount } from './account-sign-out.ts';

/** The provider's own path for the confirm (its default routes, relative to the issuer: dispatch.ts). */
const CONFIRM_PATH = '/session/end/confirm';

/**
 * Whether the provider may route `path` to the confirm: its router matches a path whatever the
 * letters' case, and with one trailing slash (oidc-provider's helpers/router.js), so an exact
 * comparison let the holder of a session post to /Session/End/Confirm unchecked (review). Folding
 * every letter matches a little more than the router does, which costs only a read.
 */
export function mayBeConfirm(path: string): boolean {
  return (path.endsWith('/') ? path.slice(0, -1) : path).toUpperCase() === CONFIRM_PATH.toUpperCase();
}

/** Whether the session the request loaded (`beforeId`) was kept under a new id for the same account: what to check. */
export function keptUnderNewId(session: { id?: unknown; accountId?: unknown; uid?: unknown } | undefined, beforeId: string, accountId: string): session is { id: string; accountId: string; uid: string } {
  return session !== undefined && typeof session.id === 'string' && session.id !== beforeId && session.accountId === accountId && typeof session.uid === 'string';
}

/** `sessionCookie`: the provider's name for the session cookie (provider.cookieName('session')). */
export function logoutCheck(deps: { db: Knex; clock: Clock; logger: Logger; sessionCookie: string }): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !mayBeConfirm(ctx.path)) return next();
    // Read as the provider reads it (signed with its cookie keys).
    const sessionId = ctx.cookies.get(deps.sessionCookie);
    const before = sessionId === undefined ? undefined : await sessionAccountCount(deps.db, sessionId);
    await next();
    if (sessionId === undefined || before === undefined) return;
    const session = (ctx as Partial<KoaContextWithOIDC>).oidc?.session;
    if (!keptUnderNewId(session, sessionId, before.accountId)) return;
    if ((await signOutCountNow(deps.db, before.accountId)) === before.count) return;
    await endSessionByUid(deps.db, deps.clock, before.accountId, session.uid);
    deps.logger.warn('session ended: the account was signed out while its browser logged out of one app', { accountId: before.accountId });
  };
}
