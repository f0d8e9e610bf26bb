// Which app answers a request. Our pages (sign-in steps, account page, language switch, assets,
// health) are one Koa app; everything else is the provider's, and goes straight to the provider's
// own request handler. Running the provider inside our app (koa-mount) cost a second Koa context
// and our page middleware chain on every token request: 60-75 us of a client_credentials grant's
// ~300 us (docs/performance.md, issue 9 fifth round).
import type { IncomingMessage, RequestListener } from 'node:http';
import type { Context } from 'koa';
import { ACCOUNT_PATH } from '../provider/account-client.ts';

/** The path part of a request URL (no query string: it can carry codes and must stay out of logs). */
export function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

/** The request's URL (path and query) as the client sent it, before the issuer's path was taken off for the provider. */
export function originalUrl(ctx: Context): string {
  return (ctx.req as IncomingMessage & { originalUrl?: string }).originalUrl ?? ctx.originalUrl;
}

/** The request's path as the client sent it, before the issuer's path was taken off for the provider. */
export function originalPath(ctx: Context): string {
  return pathOf(originalUrl(ctx));
}

/** True for the paths our pages' app serves (its routes decide the rest: an unknown one is its 404). */
export function isPagePath(path: string, basePath: string): boolean {
  if (!path.startsWith(`${basePath}/`)) return true; // outside the issuer: nothing of the provider's
  const rest = path.slice(basePath.length);
  return rest.startsWith('/interaction/') || rest === ACCOUNT_PATH || rest.startsWith(`${ACCOUNT_PATH}/`)
    || rest.startsWith('/health/') || rest.startsWith('/assets/') || rest === '/lang';
}

/**
 * The provider's paths are relative to the issuer (`https://host/idp` serves `/idp/token` as
 * `/token`): the prefix comes off, and `originalUrl` keeps the full one, which oidc-provider reads
 * to build its own URLs (the convention of Express's mounting).
 */
export function dispatch(opts: { basePath: string; pages: RequestListener; provider: () => RequestListener }): RequestListener {
  const { basePath, pages, provider } = opts;
  return (req, res) => {
    // The absolute form (`GET http://host/token`, RFC 9112 §3.2.2) is routed by its path like any other.
    if (req.url !== undefined && !req.url.startsWith('/')) {
      const absolute = URL.parse(req.url);
      if (absolute) req.url = `${absolute.pathname}${absolute.search}`;
    }
    const url = req.url ?? '/';
    if (isPagePath(pathOf(url), basePath)) return pages(req, res);
    if (basePath) {
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
      req.url = url.slice(basePath.length);
    }
    return provider()(req, res);
  };
}
