// Prometheus metrics (issue 10 item 3): one registry per IdP, so several IdPs in one test process
// never share counters. Sign-in counters are fed by the audit log, token counters by the provider's
// events, request times by one middleware: the interaction code knows nothing about metrics.
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditLog, AuditRecord } from '../audit/log.ts';
import { AUDIT_EVENTS } from '../audit/log.ts';
import { originalPath } from '../http/dispatch.ts';
import {
  countsForAudit, grantTypeOf, methodOf, routeOf, SIGN_IN_SERIES, statusClassOf, THROTTLED_STEP_VALUES, tokenErrorOf,
} from './metrics-labels.ts';

export interface Metrics {
  readonly registry: Registry;
  countAudit(entry: Pick<AuditRecord, 'event' | 'detail'>): void;
  countGrant(grantType: unknown): void;
  countGrantError(grantType: unknown, error: unknown): void;
  observeRequest(r: { path: string; basePath: string; method: string; status: number; seconds: number }): void;
}

/** The part of knex's tarn pool the gauges read; duck-typed because knex types its pool loosely. */
interface PoolStats { numUsed(): number; numFree(): number; numPendingAcquires(): number; numPendingCreates(): number; max?: unknown }

function isPoolStats(pool: unknown): pool is PoolStats {
  if (typeof pool !== 'object' || pool === null) return false;
  const p = pool as Record<string, unknown>;
  return ['numUsed', 'numFree', 'numPendingAcquires', 'numPendingCreates'].every((m) => typeof p[m] === 'function');
}

export interface MetricsOptions {
  /** Returns the database pool (knex's `db.client.pool`) at scrape time; it is gone once the database is closed. */
  pool?: () => unknown;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes...) so stock dashboards work.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const signIns = new Counter({ name: 'jullix_idp_sign_ins_total', help: 'Sign-in steps by outcome (success, failure, throttled) and factor (password, totp, recovery_code, enrolment).', labelNames: ['outcome', 'factor'], registers });
  const completed = new Counter({ name: 'jullix_idp_sign_ins_completed_total', help: 'Sign-ins finished with every required factor, by the acr reached.', labelNames: ['acr'], registers });
  const enrolments = new Counter({ name: 'jullix_idp_totp_enrolments_total', help: 'TOTP authenticators enrolled, during sign-in or on the account page.', labelNames: ['via'], registers });
  const throttled = new Counter({ name: 'jullix_idp_throttled_total', help: 'Attempts refused by the rate limiter before any check, by step.', labelNames: ['step'], registers });
  const auditEvents = new Counter({ name: 'jullix_idp_audit_events_total', help: 'Audit log entries written by this process, by event.', labelNames: ['event'], registers });
  const tokens = new Counter({ name: 'jullix_idp_tokens_issued_total', help: 'Successful token endpoint responses, by grant type.', labelNames: ['grant_type'], registers });
  const tokenErrors = new Counter({ name: 'jullix_idp_token_errors_total', help: 'Token endpoint errors, by grant type and OAuth error code.', labelNames: ['grant_type', 'error'], registers });
  const duration = new Histogram({
    name: 'jullix_idp_http_request_duration_seconds', help: 'Time to answer a request, by route template, method and status class.',
    labelNames: ['route', 'method', 'status_class'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
  });
  new Gauge({
    name: 'jullix_idp_db_pool_connections', help: 'Database pool connections: used, free, pending_acquire (queries waiting), pending_create.',
    labelNames: ['state'], registers,
    collect() {
      const pool = opts.pool?.();
      if (!isPoolStats(pool)) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'pending_acquire' }, pool.numPendingAcquires());
      this.set({ state: 'pending_create' }, pool.numPendingCreates());
    },
  });
  new Gauge({
    name: 'jullix_idp_db_pool_max_connections', help: 'Size limit of the database pool (1 for SQLite).', registers,
    collect() {
      const pool = opts.pool?.();
      if (isPoolStats(pool) && typeof pool.max === 'number') this.set(pool.max);
    },
  });
  // Every series that can occur exists from the start, so rate() and absent-series alerts work at once.
  for (const labels of SIGN_IN_SERIES) signIns.inc(labels, 0);
  for (const step of THROTTLED_STEP_VALUES) throttled.inc({ step }, 0);
  for (const via of ['sign_in', 'account']) enrolments.inc({ via }, 0);
  for (const event of AUDIT_EVENTS) auditEvents.inc({ event }, 0);

  return {
    registry,
    countAudit(entry) {
      auditEvents.inc({ event: entry.event });
      const counts = countsForAudit(entry);
      if (counts.signIn) signIns.inc(counts.signIn);
      if (counts.throttledStep) throttled.inc({ step: counts.throttledStep });
      if (counts.totpEnrolledVia) enrolments.inc({ via: counts.totpEnrolledVia });
      if (counts.completedAcr) completed.inc({ acr: counts.completedAcr });
    },
    countGrant: (grantType) => tokens.inc({ grant_type: grantTypeOf(grantType) }),
    countGrantError: (grantType, error) => tokenErrors.inc({ grant_type: grantTypeOf(grantType), error: tokenErrorOf(error) }),
    observeRequest(r) {
      duration.observe({ route: routeOf(r.path, r.basePath), method: methodOf(r.method), status_class: statusClassOf(r.status) }, r.seconds);
    },
  };
}

/** The audit log, counting each event it records (after the write, so metrics never run ahead of it). */
export function countAuditEvents(audit: AuditLog, metrics: Metrics | undefined): AuditLog {
  if (!metrics) return audit;
  return {
    async record(entry) {
      await audit.record(entry);
      metrics.countAudit(entry);
    },
    async recordAll(entries) {
      await audit.recordAll(entries);
      for (const entry of entries) metrics.countAudit(entry);
    },
    list: (filter) => audit.list(filter),
  };
}

/** Counts token endpoint outcomes; called for every provider, including those built after a key rotation. */
export function countGrants(metrics: Metrics, provider: Provider): void {
  provider.on('grant.success', (ctx) => metrics.countGrant(ctx.oidc.params?.grant_type));
  provider.on('grant.error', (ctx, err) => metrics.countGrantError(ctx.oidc?.params?.grant_type, err.error));
}

/** Hooks the metrics into the app: call before any other `app.use`, so the timing covers every middleware. */
export function instrument(metrics: Metrics, target: { app: Koa; basePath: string }): void {
  const { app, basePath } = target;
  app.use(async (ctx, next) => {
    const started = performance.now();
    // As the client sent it: the provider's app sees it without the issuer's path.
    const path = originalPath(ctx);
    const { method } = ctx;
    try {
      await next();
    } finally {
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      metrics.observeRequest({ path, basePath, method, status, seconds: (performance.now() - started) / 1000 });
    }
  });
}
