// RFC 9110 §15.5.14: a body over the limit is 413 Content Too Large. oidc-provider refuses one
// at its own limit (lib/shared/selective_body.js: 56 KiB, by Content-Length or, for a chunked
// body, after reading that much) as 400 "failed to parse the request body", the answer a malformed
// body gets, so a client cannot tell "send less" from "send valid JSON". It has no option for
// either the limit or the answer; the error it throws keeps the reason as its `cause`.
import type { EventEmitter } from 'node:events';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { oversizeBody } from '../http/body.ts';

/** oidc-provider's limit for the bodies of its endpoints, which we keep (not raised). */
export const PROVIDER_BODY_LIMIT_BYTES = 56 * 1024;

// The message of the error oidc-provider's body reader throws past its limit (the cause of the
// InvalidRequest it answers with); src/provider/oversize-bodies.test.ts pins it.
const TOO_LARGE = 'request entity too large';

/** True for the provider's refusal of a body over its limit (not for a body that is malformed). */
export function isOversizeBodyError(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  return cause instanceof Error && cause.message === TOO_LARGE;
}

/**
 * The error events of the endpoints that read a body. Their handler (lib/shared/error_handler.js)
 * emits the event synchronously after it has set the answer, so a listener can still change it;
 * a middleware would do the same on every request, the token endpoint's included.
 * (authorization.error and end_session.error are left out: a POST to /auth or /session/end never
 * reaches the provider's body reader, src/http/post-as-get.ts answers it.)
 */
const BODY_ENDPOINT_ERRORS = [
  'grant.error', 'introspection.error', 'revocation.error', 'userinfo.error',
  'registration_create.error', 'registration_update.error', 'pushed_authorization_request.error',
  'end_session_confirm.error',
] as const;

/** Answers a body over the provider's limit with 413: the OAuth error as JSON, or our error page (renderError) as it was. */
export function answerOversizeBodies(provider: Provider): void {
  const answer = (ctx: KoaContextWithOIDC, err: unknown) => {
    if (!isOversizeBodyError(err)) return;
    ctx.status = 413;
    // A string is the HTML page renderError made for a browser; it says so in the person's language.
    if (typeof ctx.body !== 'string') ctx.body = oversizeBody(PROVIDER_BODY_LIMIT_BYTES);
  };
  // As the plain emitter it is: the provider's typed overloads take one event name at a time.
  const emitter: EventEmitter = provider;
  for (const event of BODY_ENDPOINT_ERRORS) emitter.on(event, answer);
}
