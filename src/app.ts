// The composition root for HTTP: security headers, our interaction pages, then the provider.
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import mount from 'koa-mount';
import type { Knex } from 'knex';
import { interactionRoutes } from '../interactions/routes.ts';
import { accountRoutes } from '../interactions/account/routes.ts';
import { languageRoute } from '../interactions/language.ts';
import { healthRoutes } from './ops/health.ts';
import { countAuditEvents, countGrants, instrument, type Metrics } from './ops/metrics.ts';
import { createAccountPageStateStore } from './self-service/state.ts';
import { endOtherSessions, extendSession } from './self-service/sessions.ts';
import { sessionTtlSeconds } from './sign-in/session-lifetime.ts';
import { providerPages } from '../interactions/provider-pages.ts';
import { createAccountStore } from './accounts/store.ts';
import { createAuditLog } from './audit/log.ts';
import type { Config } from './config/schema.ts';
import type { Secrets } from './config/secrets.ts';
import { createPasswordFactor } from './factors/password.ts';
import { createRecoveryCodeStore } from './factors/recovery-code-store.ts';
import { createTotpCredentialStore } from './factors/totp-credentials.ts';
import { createSignInStateStore } from './sign-in/state.ts';
import { createThrottle } from './security/throttle.ts';
import { createGrantRegistry } from './provider/grants.ts';
import type { Logger } from './log.ts';
import { createProvider } from './provider/index.ts';
import type { SigningKeyRing } from './provider/keys-ring.ts';
import type Provider from 'oidc-provider';
import type { Clock } from './security/clock.ts';
import { createArgon2Hasher, type PasswordHasher } from './security/password-hashing.ts';
import { isSaneOrigin } from './security/request-origin.ts';

export interface AppDeps {
  config: Config;
  secrets: Secrets;
  /** The signing keys; when they change, a new provider takes over from the next request on. */
  signingKeys: SigningKeyRing;
  db: Knex;
  clock: Clock;
  logger: Logger;
  hasher?: PasswordHasher;
  /** Set when metrics are on: counts audit events and grants, times requests. */
  metrics?: Metrics | undefined;
}

/** Static files our pages use; a fixed list, so no path from the URL ever reaches the file system. */
const ASSETS: Record<string, { file: URL; type: string }> = {
  'style.css': { file: new URL('../interactions/assets/style.css', import.meta.url), type: 'text/css; charset=utf-8' },
  'enrol.js': { file: new URL('../interactions/assets/enrol.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
};

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
    await next();
  };
}

/** One log line per request (path only: query strings can carry codes) and no stack trace to the browser. */
function errorBoundary(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const requestId = randomUUID();
    const started = performance.now();
    // Read now: Koa's ctx.ip throws once the client has hung up and the socket is gone.
    const ip = ctx.ip;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } catch (err) {
      logger.error('unhandled error', { requestId, path: ctx.path, method: ctx.method, error: err instanceof Error ? err : String(err), stack: err instanceof Error ? err.stack : undefined });
      ctx.status = 500;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `Internal error (request ${requestId}).`;
    } finally {
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      // 0.1 ms resolution: fast steps take 1-3 ms, where whole milliseconds hide the difference.
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.info('request', { requestId, method: ctx.method, path: ctx.path, status, ms, ip });
    }
  };
}

/** Every listener a provider needs; each provider built after a key rotation gets them too. */
function attachProviderListeners(provider: Provider, logger: Logger, metrics: Metrics | undefined): void {
  provider.on('server_error', (ctx, err) => logger.error('provider server_error', { path: ctx.path, error: err, stack: err.stack }));
  if (metrics) countGrants(metrics, provider);
}

/** The current provider's middleware (koa-mount composes it, once per provider). */
function currentProvider(get: () => Provider): Koa.Middleware {
  const composed = new WeakMap<Provider, Koa.Middleware>();
  return (ctx, next) => {
    const provider = get();
    let run = composed.get(provider);
    if (run === undefined) {
      run = mount(provider);
      composed.set(provider, run);
    }
    return run(ctx, next);
  };
}

export function createApp(deps: AppDeps) {
  const { config, secrets, db, clock, logger } = deps;
  const basePath = new URL(config.issuer).pathname.replace(/\/$/, '');
  const accounts = createAccountStore(db, clock);
  const audit = countAuditEvents(createAuditLog(db, clock), deps.metrics);
  const hasher = deps.hasher ?? createArgon2Hasher();
  const keys = secrets.dataEncryptionKeys;
  const totp = createTotpCredentialStore(db, clock, keys);
  const recoveryCodes = createRecoveryCodeStore(db, clock, keys);
  const pages = providerPages(config.branding.displayName, basePath, logger);
  const build = (jwks: ReturnType<SigningKeyRing['jwks']>) => {
    const built = createProvider({ config, secrets, jwks, db, clock, accounts, pages });
    attachProviderListeners(built, logger, deps.metrics);
    return built;
  };
  // oidc-provider cannot change its keys at runtime (panva/node-oidc-provider#651): a rotation builds
  // a new one. All its state is in the database, so the new one carries on every session and flow.
  let provider = build(deps.signingKeys.jwks());
  // A build that throws leaves the old provider (and the ring's old keys) in place; the ring logs it
  // and retries on its next reload.
  deps.signingKeys.onChange((jwks) => { provider = build(jwks); });

  const app = new Koa();
  // The parent app must sign cookies with the provider's keys, or _interaction is written unsigned
  // and every login fails (notes §1, panva/node-oidc-provider#341).
  app.keys = secrets.cookieKeys;
  app.proxy = config.trustProxy;
  if (deps.metrics) instrument(deps.metrics, { app, basePath });
  app.use(errorBoundary(logger));
  app.use(securityHeaders(config));
  app.use(healthRoutes(basePath, { db, keysLoaded: () => deps.signingKeys.jwks().keys.length > 0 && secrets.cookieKeys.length > 0 && secrets.dataEncryptionKeys.length > 0 }));
  app.use(async (ctx, next) => {
    // A Host (or trusted X-Forwarded-*) that is no URL origin is refused before the provider builds URLs
    // from it (health probes above may come without one).
    if (isSaneOrigin(ctx.protocol, ctx.host)) return next();
    ctx.status = 400;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'Bad request: invalid Host header.';
  });
  app.use(async (ctx, next) => {
    const name = ctx.method === 'GET' && ctx.path.startsWith(`${basePath}/assets/`) ? ctx.path.slice(basePath.length + 8) : '';
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = await readFile(asset.file);
  });
  const interactionDeps = {
    get provider() { return provider; },
    brand: config.branding.displayName, basePath, cookieKeys: secrets.cookieKeys,
    requiredRoles: config.mfa.requiredRoles, clock,
    password: createPasswordFactor({ hasher }),
    hasher, accounts, totp, recoveryCodes, audit, logger,
    signInState: createSignInStateStore(db, clock, keys),
    throttle: createThrottle(db, clock),
    grants: createGrantRegistry(db, clock),
  };
  app.use(languageRoute(basePath));
  app.use(interactionRoutes(interactionDeps));
  app.use(accountRoutes({
    // A spread copies the getter's value: the account pages need the live provider too.
    ...interactionDeps, get provider() { return provider; }, issuer: config.issuer,
    accountPage: createAccountPageStateStore(db, clock, keys),
    endOtherSessions: (accountId, keep) => endOtherSessions(db, clock, accountId, keep),
    extendSession: (id) => extendSession(db, clock, id, (loginTs) => sessionTtlSeconds(config.sessions, loginTs, clock.now())),
  }));
  const providerMiddleware = currentProvider(() => provider);
  app.use(basePath ? mount(basePath, providerMiddleware) : providerMiddleware);
  return { app, get provider() { return provider; }, signingKeys: deps.signingKeys, accounts, audit, hasher, totp, recoveryCodes };
}
