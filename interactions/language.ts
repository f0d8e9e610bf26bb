// The visible language switcher: /lang?set=fr&back=/interaction/… stores the choice in a cookie
// and returns to the page. `back` must be a path on this site (no open redirect).
import type { Context, Middleware, Next } from 'koa';
import { LOCALES, type Locale } from './i18n/index.ts';
import { originalPath, originalUrl } from '../src/http/dispatch.ts';

export const LANGUAGE_COOKIE = 'jullix_lang';

/** A safe place to return to: a local absolute path, never `//host` or a scheme. */
export function safeBackPath(back: unknown, basePath: string): string {
  const fallback = `${basePath}/`;
  if (typeof back !== 'string' || back.length > 512) return fallback;
  // Control characters and spaces too: a URL parser drops a tab, so "/\t/evil.example" would
  // resolve to //evil.example if anything on the way stopped percent-encoding it.
  if (!back.startsWith('/') || back.startsWith('//') || back.includes('\\') || /[\u0000-\u0020\u007f]/.test(back)) return fallback;
  return back;
}

/**
 * Where the switcher on the current page should come back to (a GET-able page), as the browser
 * wrote it: the provider's own pages (logout, errors) see their path without the issuer's
 * (src/http/dispatch.ts takes it off), and the link led outside the issuer when ISSUER has a path.
 */
export function backPathFor(ctx: Context): string {
  const path = originalPath(ctx);
  const ours = /\/(interaction|account)(\/|$)/.test(path);
  // Only our own pages come back with their query; a protocol URL (/auth?…) is never reflected.
  if (ctx.method === 'GET') return ours ? originalUrl(ctx) : path;
  // After a POST, go back to the step's page: /interaction/<uid> or /account.
  const match = /^(.*\/(?:interaction\/[^/]+|account))(?:\/|$)/.exec(path);
  return match?.[1] ?? path;
}

export function chosenLanguage(ctx: Context): string | undefined {
  return ctx.cookies.get(LANGUAGE_COOKIE) ?? undefined;
}

export function languageRoute(basePath: string): Middleware {
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' || ctx.path !== `${basePath}/lang`) return next();
    const set = ctx.query.set;
    if (typeof set === 'string' && (LOCALES as readonly string[]).includes(set)) {
      ctx.cookies.set(LANGUAGE_COOKIE, set as Locale, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 365 * 86400 * 1000, overwrite: true });
    }
    ctx.status = 303;
    ctx.redirect(safeBackPath(ctx.query.back, basePath));
  };
}
