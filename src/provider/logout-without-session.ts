// RP-initiated logout (RP-Initiated Logout 1.0 §2) from a browser that has no session: there is
// nothing to ask, so oidc-provider sends the browser on to its confirm step through its own
// auto-submitting page (lib/actions/end_session.js, with response_modes/form_post.js): English,
// unstyled, and with no hook to render it (logoutSource is only called with a session). The
// provider has done its work by then (parameters and client checked, the xsrf value and where to
// go next kept in the new session), so only its page is swapped for ours, with the same form.
import type Koa from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** What the confirm step needs: the provider's xsrf value, posted with logout=yes to `action`. */
export interface LogoutForm { action: string; xsrf: string }

export type RenderLogoutWithoutSession = (ctx: KoaContextWithOIDC, form: LogoutForm) => void;

/** The xsrf value the provider has just issued, when this answer is its page for a logout without a signed-in session. */
export function logoutWithoutSessionXsrf(route: string | undefined, status: number, session: { accountId?: unknown; state?: unknown } | undefined): string | undefined {
  if (route !== 'end_session' || status !== 200 || !session || session.accountId) return undefined;
  const secret = (session.state as { secret?: unknown } | undefined)?.secret;
  return typeof secret === 'string' && secret !== '' ? secret : undefined;
}

/** Renders our page in place of the provider's for GET /session/end without a session (a POST is a GET by then: post-as-get.ts). */
export function brandedLogoutWithoutSession(render: RenderLogoutWithoutSession): Koa.Middleware {
  return async (ctx, next) => {
    // The provider's own path for it (its default routes, relative to the issuer: dispatch.ts).
    if (ctx.method !== 'GET' || ctx.path !== '/session/end') return next();
    // Our security headers' policy, before the provider adds its inline script's hash to it.
    const policy = ctx.response.get('Content-Security-Policy');
    await next();
    const { oidc } = ctx as Partial<KoaContextWithOIDC>;
    // Only a route of the provider's has ctx.oidc; reading it there is what the provider does.
    const xsrf = oidc ? logoutWithoutSessionXsrf(oidc.route, ctx.status, oidc.session) : undefined;
    if (!oidc || xsrf === undefined) return;
    if (policy) ctx.set('Content-Security-Policy', policy);
    render(ctx as KoaContextWithOIDC, { action: oidc.urlFor('end_session_confirm'), xsrf });
  };
}
