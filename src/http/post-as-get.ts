// OIDC Core 3.1.2.1 and RP-Initiated Logout 1.0 §2: the authorization and logout endpoints MUST
// accept POST (form serialization). oidc-provider 9 serves POST there only with
// `enableHttpPostMethods`, which requires SameSite=None on the session cookie, so that a cross-site
// form post still carries it: a weaker cookie for every request, to serve a rare one. Instead a
// form POST to either endpoint is answered with 303 to the same endpoint with the same parameters
// as a query string: the browser follows with a top-level GET, which carries our SameSite=Lax
// cookies, and the provider handles the request as any other GET (its own parameter checks: a
// parameter given both in the URL and in the form is refused as given twice).
import type Koa from 'koa';
import { oversizeBody, readLimited } from './body.ts';
import { originalPath } from './dispatch.ts';

/** Endpoint paths relative to the issuer (oidc-provider's default routes; we do not change them). */
export const POST_AS_GET_PATHS: ReadonlySet<string> = new Set(['/auth', '/session/end']);
// The parameters become a URL: well under the 16 KiB of headers Node accepts by default.
const BODY_LIMIT_BYTES = 8 * 1024;

/** The GET target for a form POST: the parameters of the URL's own query first, then the form's. */
export function getLocationFor(path: string, query: string, form: string): string {
  const params = new URLSearchParams(query);
  for (const [k, v] of new URLSearchParams(form)) params.append(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export const postAsGet: Koa.Middleware = async (ctx, next) => {
  if (ctx.method !== 'POST' || !POST_AS_GET_PATHS.has(ctx.path)) return next();
  ctx.set('Cache-Control', 'no-store');
  if (!ctx.is('application/x-www-form-urlencoded')) {
    // An OAuth error, as the 413 below and the provider's own endpoints answer (RFC 6749 §5.2).
    ctx.status = 415;
    ctx.body = { error: 'invalid_request', error_description: 'send the parameters as an application/x-www-form-urlencoded form, or use GET' };
    return;
  }
  const body = await readLimited(ctx.req, BODY_LIMIT_BYTES);
  if (body === undefined) {
    // As the provider's own endpoints answer a body over their limit (src/provider/oversize-bodies.ts).
    ctx.status = 413;
    ctx.body = oversizeBody(BODY_LIMIT_BYTES, 'use a pushed authorization request (PAR) for large requests');
    return;
  }
  ctx.status = 303;
  ctx.redirect(getLocationFor(originalPath(ctx), ctx.querystring, body.toString('utf8')));
};
