// Health endpoints for load balancers and orchestrators: /health/live (the process answers) and
// /health/ready (database answers, migrations current, keys loaded and current). Cheap and never cached. Plus
// the drain an instance goes through on SIGTERM, which is what a balancer sees of a restart.
import type { RequestListener, Server } from 'node:http';
import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import { pendingMigrations } from '../db/migrations.ts';

export interface ReadinessDeps {
  db: Knex;
  /** 'ok', or why the keys are not (src/ops/key-freshness.ts: 'missing', 'stale: …'). */
  keys: () => string;
}

export async function readiness(deps: ReadinessDeps): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {};
  try {
    await deps.db.raw('select 1');
    checks.database = 'ok';
    const pending = await pendingMigrations(deps.db);
    checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.length}`;
  } catch {
    // The reason goes to the log elsewhere; a probe only needs to know it failed.
    checks.database = 'unavailable';
    checks.migrations = 'unknown';
  }
  checks.keys = deps.keys();
  return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
}

export function healthRoutes(basePath: string, deps: ReadinessDeps): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === `${basePath}/health/live`) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path !== `${basePath}/health/ready`) return next();
    const result = await readiness(deps);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = result.ok ? 200 : 503;
    ctx.body = { status: result.ok ? 'ok' : 'unavailable', checks: result.checks };
  };
}

/**
 * An instance's shutdown as a balancer sees it. From `start()` on, readiness answers 503 and every
 * response closes its connection, while the instance still serves: a balancer polling readiness
 * takes it out, and no keep-alive socket to it stays in anyone's pool. Only then does the server
 * stop accepting (see `drainSettled`), so no request is sent to a listener that has just closed.
 */
export interface Drain {
  readonly startedAt: number | null;
  /** When the last request other than a health probe arrived. */
  readonly lastRequestAt: number;
  start(): void;
  /** Wraps the request listener (src/http/dispatch.ts). */
  wrap(handler: RequestListener): RequestListener;
}

export function createDrain(basePath: string, now: () => number): Drain {
  let startedAt: number | null = null;
  let lastRequestAt = now();
  const probes = new Set([`${basePath}/health/ready`, `${basePath}/health/live`]);
  return {
    get startedAt() { return startedAt; },
    get lastRequestAt() { return lastRequestAt; },
    start() { startedAt ??= now(); },
    wrap: (handler) => (req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (!probes.has(path)) lastRequestAt = now();
      if (startedAt === null) return handler(req, res);
      // Node then sends `Connection: close` and closes the socket after this response.
      res.shouldKeepAlive = false;
      const probe = path === `${basePath}/health/ready` && (req.method === 'GET' || req.method === 'HEAD');
      if (!probe) return handler(req, res);
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: 'draining' }));
    },
  };
}

export interface DrainTiming { startedAt: number; lastRequestAt: number; now: number; quietMs: number; maxMs: number }

/**
 * Whether a draining instance may close its listener: no request (probes aside) for `quietMs`
 * since the drain began, meaning the balancers have taken it out, or `maxMs` spent waiting for that.
 */
export function drainSettled(t: DrainTiming): boolean {
  if (t.now - t.startedAt >= t.maxMs) return true;
  return t.now - Math.max(t.startedAt, t.lastRequestAt) >= t.quietMs;
}

/** Stops accepting, drops idle keep-alive sockets, lets requests in flight finish for at most `graceMs`, then cuts the rest. */
export async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
