// Pages that oidc-provider renders itself (errors, logout confirmation, signed out), in our look.
import type { Context, Middleware, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from '../src/provider/configuration.ts';
import type { RenderLogoutWithoutSession } from '../src/provider/logout-without-session.ts';
import { isOversizeBodyError } from '../src/provider/oversize-bodies.ts';
import type { Logger } from '../src/log.ts';
import { pageContext, sendHtml } from './http.ts';
import { errorPage, loggedOutPage, logoutPage, signedOutAlreadyPage } from './views/messages.ts';

function uiLocalesOf(ctx: KoaContextWithOIDC): string | undefined {
  const v = (ctx.oidc?.params as Record<string, unknown> | undefined)?.ui_locales;
  return typeof v === 'string' ? v : undefined;
}

/** The app the request names (id_token_hint or client_id, checked by the provider), as people know it. */
function clientOf(ctx: KoaContextWithOIDC): string | undefined {
  const client = ctx.oidc?.client;
  return client ? client.clientName ?? client.clientId : undefined;
}

export function providerPages(brand: string, basePath: string, logger: Logger): ProviderPages & { logoutWithoutSession: RenderLogoutWithoutSession } {
  return {
    // Never redirects: it is used exactly when the redirect_uri or client cannot be trusted.
    renderError(ctx, out, error) {
      const page = pageContext(ctx, brand, basePath, uiLocalesOf(ctx));
      logger.info('protocol error page', { error: out.error, description: out.error_description, name: error.name, path: ctx.path });
      // A body over the limit gets 413 (src/provider/oversize-bodies.ts) and says what to do, as our own pages do.
      const tooLarge = isOversizeBodyError(error);
      const status = tooLarge ? 413 : ctx.status >= 400 ? ctx.status : 400;
      sendHtml(ctx, status, errorPage(page, page.t(tooLarge ? 'error.too_large' : 'error.body'), { error: out.error, description: out.error_description }));
    },
    logoutSource(ctx, form) {
      const page = pageContext(ctx, brand, basePath, uiLocalesOf(ctx));
      sendHtml(ctx, 200, logoutPage(page, form, clientOf(ctx)));
    },
    logoutWithoutSession(ctx, form) {
      const page = pageContext(ctx, brand, basePath, uiLocalesOf(ctx));
      sendHtml(ctx, 200, signedOutAlreadyPage(page, form, clientOf(ctx)));
    },
    async postLogoutSuccessSource(ctx) {
      const page = pageContext(ctx, brand, basePath, uiLocalesOf(ctx));
      // The provider sends a client_id here only after "stay signed in", but anyone can open this
      // URL with one: "still signed in to <brand>" is said only to a browser that is.
      const client = clientOf(ctx);
      const stillSignedIn = client !== undefined && (await ctx.oidc.provider.Session.get(ctx)).accountId !== undefined;
      sendHtml(ctx, 200, loggedOutPage(page, stillSignedIn ? client : undefined));
    },
  };
}

/**
 * A GET for an address with nothing there (the issuer's root, /favicon.ico, a mistyped path, the
 * language switcher's fallback) gets our page in the person's language instead of Koa's plain
 * English "Not Found". Only an empty 404: an answer the provider or a route wrote is left alone.
 */
export function notFoundPage(brand: string, basePath: string): Middleware {
  return async (ctx: Context, next: Next) => {
    await next();
    // A handler that wrote the response itself (ctx.respond = false) leaves Koa's default 404 behind.
    if (ctx.status !== 404 || ctx.body != null || ctx.respond === false || ctx.headerSent) return;
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return;
    const page = pageContext(ctx, brand, basePath);
    sendHtml(ctx, 404, errorPage(page, page.t('error.notfound')));
  };
}

/** A sign-in ended by a sign-out of its account while it resumed (src/provider/resume-check.ts). */
export function signedOutDuringSignIn(brand: string, basePath: string): (ctx: Context) => void {
  return (ctx) => {
    const page = pageContext(ctx, brand, basePath);
    sendHtml(ctx, 409, errorPage(page, page.t('error.signed_out')));
  };
}
