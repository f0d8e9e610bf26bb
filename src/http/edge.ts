// What every response gets, whichever app answers it (our pages' Koa app or the provider, itself a
// Koa app: src/http/dispatch.ts): a request id, the request log line, metrics, security headers,
// and the Host check. Both apps take the same middleware, so both behave alike at the edge.
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { instrument, type Metrics } from '../ops/metrics.ts';
import { isSaneOrigin } from '../security/request-origin.ts';
import { originalPath } from './dispatch.ts';

function securityHeaders(config: Config): Koa.Middleware {
  const https = config.issuer.startsWith('https:');
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    // oidc-provider appends the hash of its one inline script (form_post) to script-src when needed.
    // https: images are for the logos that registered apps show on the consent page.
    ctx.set('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; base-uri 'none'; frame-ancestors 'none'");
    if (https) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    try {
      await next();
    } finally {
      // RFC 6749 §5.1: a response with tokens carries Pragma: no-cache beside Cache-Control: no-store,
      // for HTTP/1.0 caches. oidc-provider sets only the latter; every no-store answer gets both.
      if (!ctx.headerSent && /\bno-store\b/.test(String(ctx.response.get('Cache-Control')))) ctx.set('Pragma', 'no-cache');
    }
  };
}

/** One log line per request (path only: query strings can carry codes) and no stack trace to the browser. */
function errorBoundary(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const requestId = randomUUID();
    const started = performance.now();
    // Read now: Koa's ctx.ip throws once the client has hung up and the socket is gone.
    const ip = ctx.ip;
    const path = originalPath(ctx);
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } catch (err) {
      logger.error('unhandled error', { requestId, path, method: ctx.method, error: err instanceof Error ? err : String(err), stack: err instanceof Error ? err.stack : undefined });
      ctx.status = 500;
      // An error after the provider has answered (the resume check, src/provider/resume-check.ts)
      // must not carry its redirect along: a 500 with the app's Location and code in it.
      ctx.remove('Location');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `Internal error (request ${requestId}).`;
    } finally {
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      // 0.1 ms resolution: fast steps take 1-3 ms, where whole milliseconds hide the difference.
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.info('request', { requestId, method: ctx.method, path, status, ms, ip });
    }
  };
}

/**
 * A Host (or trusted X-Forwarded-*) that is no URL origin is refused before the provider builds URLs
 * from it. Our pages' app puts its health probes before this: they may come without one.
 */
export const saneHost: Koa.Middleware = async (ctx, next) => {
  if (isSaneOrigin(ctx.protocol, ctx.host)) return next();
  ctx.status = 400;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = 'Bad request: invalid Host header.';
};

/** The outermost middleware of an app (for the provider, `use` puts it ahead of its own). */
export function useEdge(app: Koa, deps: { config: Config; logger: Logger; metrics: Metrics | undefined; basePath: string }): void {
  if (deps.metrics) instrument(deps.metrics, { app, basePath: deps.basePath });
  app.use(errorBoundary(deps.logger));
  app.use(securityHeaders(deps.config));
}
