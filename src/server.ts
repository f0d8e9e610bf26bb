// Starts a whole IdP: config -> secrets -> database -> migrations -> app -> listen. Used by
// main.ts and by integration tests (each with its own env, data folder and clock).
import http, { type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { createApp } from './app.ts';
import { loadConfig, type Env } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { resolveSecrets } from './config/secrets.ts';
import { closeDatabase, openDatabase } from './db/connection.ts';
import { migrateLatest, migrationStatus } from './db/migrations.ts';
import { IdpError } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './ops/metrics.ts';
import { listenMetrics, type MetricsListener } from './ops/metrics-server.ts';
import { closeServer, createDrain, drainSettled } from './ops/health.ts';
import { startExpiryCleanup } from './provider/adapter.ts';
import { openKeyRing, type SigningKeyRing } from './provider/keys-ring.ts';
import { systemClock, type Clock } from './security/clock.ts';
import type { PasswordHasher } from './security/password-hashing.ts';

/** How often the server looks for back-channel logouts queued by the CLI or due for a retry. */
const LOGOUT_QUEUE_INTERVAL_MS = 2000;

export interface RunningIdp {
  config: Config;
  url: string;
  db: Knex;
  server: Server;
  /** The scrape URL when metrics are on (METRICS_PORT), else undefined. */
  metricsUrl: string | undefined;
  app: ReturnType<typeof createApp>;
  close(graceMs?: number, drain?: DrainWait): Promise<void>;
}

/** How long a stopping instance keeps serving, readiness 503, before it stops accepting (ops/health.ts). */
export interface DrainWait { quietMs: number; maxMs: number }

export interface StartOptions {
  env?: Env;
  clock?: Clock;
  logger?: Logger;
  hasher?: PasswordHasher;
  configDir?: string;
}

export async function startIdp(opts: StartOptions = {}): Promise<RunningIdp> {
  const config = loadConfig(opts.env ?? process.env, opts.configDir);
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const secrets = resolveSecrets(config);
  if (secrets.source === 'generated') logger.info('generated development keys', { file: `${config.dataDir}/secrets.json` });
  // The server itself speaks plain http: an https issuer means a TLS proxy in front, whose
  // X-Forwarded-Proto must be trusted, or discovery advertises http endpoints and cookies lose Secure.
  if (config.issuer.startsWith('https:') && !config.trustProxy) {
    logger.warn('ISSUER is https but TRUST_PROXY is off: behind a TLS-terminating proxy set TRUST_PROXY=true, or endpoints are advertised as http and cookies are not Secure', { issuer: config.issuer });
  }
  const db = await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, readers: 2,
    onDriverWarning: (message) => logger.warn('database driver warning', { message }),
  });
  let signingKeys: SigningKeyRing;
  try {
    if (config.migrateOnStart) {
      const applied = await migrateLatest(db);
      if (applied.length > 0) logger.info('database migrated', { applied });
    }
    const { pending, newer } = await migrationStatus(db);
    if (pending.length > 0) throw new IdpError('migrations_pending', `The database needs migrations (${pending.join(', ')}): run "npx jullix-idp migrate" or set MIGRATE_ON_START=true`, { expose: true });
    if (newer.length > 0) logger.warn('the database was migrated by a newer version of jullix-idp; this one runs on, but upgrade it', { newer });
    signingKeys = await openKeyRing({ secrets, db, clock, logger });
  } catch (err) {
    await closeDatabase(db);
    throw err;
  }
  // knex's pool, read at scrape time: `db.client` is typed `any`.
  const client: unknown = db.client;
  const metrics = config.metrics.port === undefined ? undefined : createMetrics({ pool: () => (client as { pool?: unknown }).pool });
  const app = createApp({ config, secrets, signingKeys, db, clock, logger, metrics, ...(opts.hasher ? { hasher: opts.hasher } : {}) });
  signingKeys.start(config.signingKeys.refreshSeconds * 1000);
  const stopExpiryCleanup = startExpiryCleanup(db, clock, 10 * 60 * 1000, (err) => logger.error('expired-row cleanup failed', { error: err instanceof Error ? err : String(err) }));
  // Queued by the CLI (another process) or due for a retry; what this process queues goes at once.
  const stopLogouts = app.logouts.start(LOGOUT_QUEUE_INTERVAL_MS);
  const stopBackground = async () => {
    stopExpiryCleanup();
    await stopLogouts();
  };
  // Real monotonic time, not the injected clock: it paces timers, and tests may freeze their clock.
  const drain = createDrain(new URL(config.issuer).pathname.replace(/\/$/, ''), () => performance.now());
  const server = http.createServer(drain.wrap(app.handler)).listen(config.port);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) => {
      signingKeys.stop();
      void stopBackground().then(() => closeDatabase(db)).catch(() => undefined);
      reject(err.code === 'EADDRINUSE' ? new IdpError('config_invalid', `Port ${config.port} is already in use: stop the other process or set PORT`, { expose: true }) : err);
    });
  });
  let metricsListener: MetricsListener | undefined;
  if (metrics && config.metrics.port !== undefined) {
    try {
      metricsListener = await listenMetrics(metrics, { ...config.metrics, port: config.metrics.port }, logger);
    } catch (err) {
      await stopBackground();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeDatabase(db);
      throw err;
    }
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    config, db, server, app, url: `http://localhost:${port}`, metricsUrl: metricsListener?.url,
    /**
     * Turns readiness 503 and keeps serving until balancers go quiet (`wait`; none by default),
     * then stops accepting, lets requests in flight finish (at most `graceMs`), closes the database.
     */
    async close(graceMs = 10_000, wait: DrainWait = { quietMs: 0, maxMs: 0 }) {
      await stopBackground();
      signingKeys.stop();
      drain.start();
      const startedAt = drain.startedAt ?? performance.now();
      while (!drainSettled({ startedAt, lastRequestAt: drain.lastRequestAt, now: performance.now(), ...wait })) await sleep(50);
      logger.info('stopped accepting connections', { drainedMs: Math.round(performance.now() - startedAt) });
      await Promise.all([closeServer(server, graceMs), metricsListener?.close(graceMs)]);
      await closeDatabase(db);
    },
  };
}
