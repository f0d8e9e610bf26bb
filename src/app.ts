// The composition root for HTTP: our pages' app and the provider, each with the same edge
// middleware (src/http/edge.ts), and the dispatch between them (src/http/dispatch.ts).
import { readFile } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import Koa from 'koa';
import type { Knex } from 'knex';
import { interactionRoutes } from '../interactions/routes.ts';
import { accountRoutes } from '../interactions/account/routes.ts';
import { languageRoute } from '../interactions/language.ts';
import { healthRoutes } from './ops/health.ts';
import { keysReadiness } from './ops/key-freshness.ts';
import { countAuditEvents, countGrants, type Metrics } from './ops/metrics.ts';
import { dispatch, originalPath } from './http/dispatch.ts';
import { saneHost, useEdge } from './http/edge.ts';
import { postAsGet } from './http/post-as-get.ts';
import { unauthorizedClientCode } from './provider/token-errors.ts';
import { logoutCheck } from './provider/logout-check.ts';
import { resumeCheck } from './provider/resume-check.ts';
import { createAccountPageStateStore } from './self-service/state.ts';
import { extendSession } from './self-service/sessions.ts';
import { signOutEverywhere } from './provider/account-sign-out.ts';
import { createLogoutSender } from './provider/backchannel.ts';
import { sessionTtlSeconds } from './sign-in/session-lifetime.ts';
import { notFoundPage, providerPages, signedOutDuringSignIn } from '../interactions/provider-pages.ts';
import { createAccountStore } from './accounts/store.ts';
import { createAuditLog, keepInLogOnFailure, type AuditLog } from './audit/log.ts';
import { auditRegistrations } from './provider/registration-audit.ts';
import { answerOversizeBodies } from './provider/oversize-bodies.ts';
import { brandedLogoutWithoutSession } from './provider/logout-without-session.ts';
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
import { projectPath } from './paths.ts';

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
const ASSETS: Record<string, { file: string; type: string }> = {
  'style.css': { file: projectPath('interactions', 'assets', 'style.css'), type: 'text/css; charset=utf-8' },
  'enrol.js': { file: projectPath('interactions', 'assets', 'enrol.js'), type: 'text/javascript; charset=utf-8' },
  'logout.js': { file: projectPath('interactions', 'assets', 'logout.js'), type: 'text/javascript; charset=utf-8' },
};

/** Every listener a provider needs; each provider built after a key rotation gets them too. */
function attachProviderListeners(provider: Provider, logger: Logger, metrics: Metrics | undefined, audit: AuditLog): void {
  provider.on('server_error', (ctx, err) => logger.error('provider server_error', { path: originalPath(ctx), error: err, stack: err.stack }));
  if (metrics) countGrants(metrics, provider);
  auditRegistrations(provider, audit, logger);
  answerOversizeBodies(provider);
}

export function createApp(deps: AppDeps) {
  const { config, secrets, db, clock, logger } = deps;
  const basePath = new URL(config.issuer).pathname.replace(/\/$/, '');
  const accounts = createAccountStore(db, clock);
  const audit = countAuditEvents(keepInLogOnFailure(createAuditLog(db, clock), logger), deps.metrics);
  const hasher = deps.hasher ?? createArgon2Hasher();
  const keys = secrets.dataEncryptionKeys;
  const totp = createTotpCredentialStore(db, clock, keys);
  const recoveryCodes = createRecoveryCodeStore(db, clock, keys);
  const pages = providerPages(config.branding.displayName, basePath, logger);
  const edge = { config, logger, metrics: deps.metrics, basePath };
  // Each provider answers its own requests (not mounted in our app), so it gets the edge itself.
  const build = (jwks: ReturnType<SigningKeyRing['jwks']>): { provider: Provider; handler: RequestListener } => {
    const built = createProvider({ config, secrets, jwks, db, clock, accounts, pages });
    attachProviderListeners(built, logger, deps.metrics, audit);
    useEdge(built, edge);
    built.use(saneHost);
    built.use(notFoundPage(config.branding.displayName, basePath));
    built.use(postAsGet);
    built.use(brandedLogoutWithoutSession(pages.logoutWithoutSession));
    built.use(unauthorizedClientCode);
    built.use(logoutCheck({ db, clock, logger, sessionCookie: built.cookieName('session') }));
    built.use(resumeCheck({ db, clock, logger, resumeCookie: built.cookieName('resume'), render: signedOutDuringSignIn(config.branding.displayName, basePath) }));
    return { provider: built, handler: built.callback() };
  };
  // oidc-provider cannot change its keys at runtime (panva/node-oidc-provider#651): a rotation builds
  // a new one. All its state is in the database, so the new one carries on every session and flow.
  let current = build(deps.signingKeys.jwks());
  // A build that throws leaves the old provider (and the ring's old keys) in place; the ring logs it
  // and retries on its next reload.
  deps.signingKeys.onChange((jwks) => { current = build(jwks); });

  const app = new Koa();
  // The provider's cookie keys: the account page reads the provider's signed _session cookie, and
  // our own signed cookies (device, account-page state) rotate with them.
  app.keys = secrets.cookieKeys;
  app.proxy = config.trustProxy;
  useEdge(app, edge);
  app.use(healthRoutes(basePath, {
    db,
    keys: () => {
      const keys = keysReadiness({
        loaded: deps.signingKeys.jwks().keys.length > 0 && secrets.cookieKeys.length > 0 && secrets.dataEncryptionKeys.length > 0,
        failingSince: deps.signingKeys.reloadFailingSince(), now: clock.now(), refreshMs: config.signingKeys.refreshSeconds * 1000,
      });
      // A stale instance tries again at once, not at its next interval: once the database or the
      // key is back, the next probe finds it ready (a reload in flight is shared, not repeated).
      if (keys.startsWith('stale')) deps.signingKeys.refresh().catch(() => undefined);
      return keys;
    },
  }));
  app.use(saneHost);
  app.use(notFoundPage(config.branding.displayName, basePath));
  app.use(async (ctx, next) => {
    const name = (ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.path.startsWith(`${basePath}/assets/`) ? ctx.path.slice(basePath.length + 8) : '';
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = await readFile(asset.file);
  });
  const interactionDeps = {
    get provider() { return current.provider; },
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
    ...interactionDeps, get provider() { return current.provider; }, issuer: config.issuer,
    accountPage: createAccountPageStateStore(db, clock, keys),
    endOtherSessions: async (accountId, keep) => {
      // The same sign-out as an operator's password reset, but for the session in use: a thief's
      // session, their tokens and a sign-in they left waiting to resume all end.
      const out = await signOutEverywhere(db, clock, accountId, { id: keep.id, uid: keep.uid });
      if (out.logoutsQueued > 0) logouts.kick();
      return out.sessions.length;
    },
    extendSession: (id) => extendSession(db, clock, id, (loginTs) => sessionTtlSeconds(config.sessions, loginTs, clock.now())),
  }));
  const handler = dispatch({ basePath, pages: app.callback(), provider: () => current.handler });
  // Back-channel logout for sessions ended outside the logout endpoint; the server runs its timer.
  const logouts = createLogoutSender({ db, clock, provider: () => current.provider, logger });
  return { app, handler, get provider() { return current.provider; }, signingKeys: deps.signingKeys, accounts, audit, hasher, totp, recoveryCodes, signInState: interactionDeps.signInState, logouts };
}
