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

/** The sign-in a finished request resumed, or undefined when it resumed none (or is no resume). */
export function resumedLogin(ctx: KoaContextWithOIDC): ResumedLogin | undefined {
  const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
  if (!oidc || !RESUME_ROUTES.has(oidc.route)) return undefined;
  const interaction = oidc.entities.Interaction;
  const accountId = interaction?.result?.login?.accountId;
  const sessionUid = oidc.session?.uid;
  if (!interaction || typeof accountId !== 'string' || typeof sessionUid !== 'string') return undefined;
  return { interactionId: interaction.jti, accountId, sessionUid };
}

export function resumeCheck(deps: { db: Knex; clock: Clock; logger: Logger; render: (ctx: Koa.Context) => void }): Koa.Middleware {
  return async (ctx, next) => {
    await next();
    const login = resumedLogin(ctx as unknown as KoaContextWithOIDC);
    if (!login || !(await resumeEnded(deps.db, deps.clock, login.interactionId))) return;
    await endSessionByUid(deps.db, deps.clock, login.accountId, login.sessionUid);
    deps.logger.warn('sign-in ended: the account was signed out while it resumed', { accountId: login.accountId });
    // The provider's answer (the app's redirect with a code, or a form post of it) is replaced.
    ctx.remove('Location');
    deps.render(ctx);
  };
}
