// RFC 6749 §5.2: a grant type the authenticated client is not registered for is
// `unauthorized_client`. oidc-provider 9 answers `invalid_request` with its own description
// (actions/token.js); this renames the code on that one answer and leaves its text and status.
import type Koa from 'koa';

/** oidc-provider's description for a grant type the client may not use (matched exactly). */
export const GRANT_TYPE_NOT_ALLOWED = 'requested grant type is not allowed for this client';

interface ErrorBody { error?: unknown; error_description?: unknown }

/** True for the token endpoint's answer that RFC 6749 calls unauthorized_client. */
export function isUnauthorizedClientAnswer(path: string, status: number, body: unknown): body is ErrorBody {
  if (path !== '/token' || status !== 400 || typeof body !== 'object' || body === null) return false;
  const { error, error_description: description } = body as ErrorBody;
  return error === 'invalid_request' && description === GRANT_TYPE_NOT_ALLOWED;
}

export const unauthorizedClientCode: Koa.Middleware = async (ctx, next) => {
  await next();
  if (isUnauthorizedClientAnswer(ctx.path, ctx.status, ctx.body)) ctx.body = { ...ctx.body, error: 'unauthorized_client' };
};
