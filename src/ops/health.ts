// Health endpoints for load balancers and orchestrators: /health/live (the process answers) and
// /health/ready (database answers, migrations current, keys loaded). Cheap and never cached.
import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import { pendingMigrations } from '../db/migrations.ts';

export interface ReadinessDeps { db: Knex; keysLoaded: () => boolean }

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
  checks.keys = deps.keysLoaded() ? 'ok' : 'missing';
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
