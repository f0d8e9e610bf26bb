// The last look at a sign-in, after the provider has resumed it: a sign-out of the account
// (a password reset, reset-2fa, disable, set-role, "sign out everywhere else") that ran while the
// resume was under way must not leave it a session or a code. The resume reads its interaction,
// then saves a session and issues a code; a sign-out between the two found neither. So once they
// are saved, the resume asks whether its interaction was ended since (resumeEnded), and if so ends
// what it saved and answers an error page instead of the app's code.
import type Koa from 'koa';
import type { Knex } from 'knex';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../security/clock.ts';
import type { Logger } from '../log.ts';
import { endSessionByUid, resumeEnded } from './account-sign-out.ts';

const RESUME_ROUTES: ReadonlySet<string> = new Set(['resume', 'device_resume']);

/** What a resume that signed someone in leaves to check: its interaction, the account and the session. */
export interface ResumedLogin { interactionId: string; accountId: string; sessionUid: string }

/**
 * The sign-in a finished request resumed, or undefined when it resumed none (or is no resume).
 * `resumedId`: the interaction the resume loaded (its cookie, read before the resume ran). Not the
 * context's Interaction: a resume that goes on to another step (consent) replaces it with the new
 * interaction, which has no result, and the session it saved went unchecked (review). The login is
 * the resume's result (ctx.oidc.result), which oidc-provider sets only once it has used it. A
 * resume without a login of its own (a consent step in a browser already signed in) is checked for
 * the session's account: the provider gives every resumed session a new id and saves it whatever
 * the rest of the request does, a row a sign-out that ran meanwhile never saw (review).
 */
export function resumedLogin(ctx: KoaContextWithOIDC, resumedId: string | undefined): ResumedLogin | undefined {
  const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
  if (!oidc || !RESUME_ROUTES.has(oidc.route) || resumedId === undefined || !oidc.result) return undefined;
  const accountId = oidc.result.login?.accountId ?? oidc.session?.accountId;
  const sessionUid = oidc.session?.uid;
  if (typeof accountId !== 'string' || typeof sessionUid !== 'string') return undefined;
  return { interactionId: resumedId, accountId, sessionUid };
}

/** `resumeCookie`: the provider's name for the resume cookie (provider.cookieName('resume')). */
export function resumeCheck(deps: { db: Knex; clock: Clock; logger: Logger; resumeCookie: string; render: (ctx: Koa.Context) => void }): Koa.Middleware {
  return async (ctx, next) => {
    // Read as the resume reads it (signed with the provider's cookie keys): it loads the
    // interaction with this id and refuses one whose uid differs.
    const resumedId = ctx.cookies.get(deps.resumeCookie);
    await next();
    const login = resumedLogin(ctx as unknown as KoaContextWithOIDC, resumedId);
    if (!login || !(await resumeEnded(deps.db, deps.clock, login.interactionId))) return;
    await endSessionByUid(deps.db, deps.clock, login.accountId, login.sessionUid);
    deps.logger.warn('sign-in ended: the account was signed out while it resumed', { accountId: login.accountId });
    // The provider's answer (the app's redirect with a code, a form post of it, or the next step's page) is replaced.
    ctx.remove('Location');
    deps.render(ctx);
  };
}
