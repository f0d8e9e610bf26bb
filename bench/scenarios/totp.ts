// `totp`: the server time of the TOTP step (POST /interaction/:uid/totp) and complete
// password + TOTP sign-ins per second. The step is timed from the client on loopback and from the
// IdP's own request log (LOG_LEVEL=info: one JSON line per request with its X-Request-Id and `ms`).
// Each account signs in once: a TOTP code is accepted only once per account and time step.
import type { LoadJob } from '../load/jobs.ts';
import type { Person } from '../load/sign-in.ts';
import { figure } from '../support/report.ts';
import { createInstance } from '../support/instance.ts';
import { bulkInsertPeople, enrolTotp, people, PUBLIC_CLIENT, REDIRECT_URI } from '../support/seed.ts';
import { summarise } from '../support/stats.ts';
import { argon2Reference, load, NO_COUNT_LIMIT, slicer } from './common.ts';
import { setting, type Scenario } from './context.ts';

const MAX_PLAUSIBLE_PER_SECOND = 150;

function totpSignIns(issuer: string, concurrency: number, durationMs: number, group: Person[]): LoadJob {
  return {
    kind: 'sign-in', limits: { concurrency, durationMs, maxCount: group.length }, people: group,
    client: { issuer, clientId: PUBLIC_CLIENT, redirectUri: REDIRECT_URI, scope: 'openid profile email' },
  };
}

/** Server ms p50 per kind of request ("POST /interaction/:uid/totp"), from the request log. */
function serverTimesByRoute(logLines: string[]): Record<string, { count: number; p50: number; p99: number }> {
  const byRoute = new Map<string, number[]>();
  for (const line of logLines) {
    if (!line.includes('"msg":"request"')) continue;
    const entry = JSON.parse(line) as { method?: string; path?: string; ms?: number };
    if (typeof entry.ms !== 'number' || !entry.path) continue;
    const route = `${entry.method ?? ''} ${entry.path.replace(/\/(interaction|auth)\/[^/]+/, '/$1/:uid')}`;
    byRoute.set(route, [...(byRoute.get(route) ?? []), entry.ms]);
  }
  return Object.fromEntries([...byRoute].map(([route, ms]) => {
    const s = summarise(ms);
    return [route, { count: s.count, p50: s.p50, p99: s.p99 }];
  }));
}

/** The `ms` the IdP logged for each of these request ids (0.1 ms resolution). */
function serverTimes(logLines: string[], ids: Set<string>): number[] {
  const times: number[] = [];
  for (const line of logLines) {
    if (!line.includes('"msg":"request"')) continue;
    const entry = JSON.parse(line) as { requestId?: string; ms?: number; path?: string };
    if (entry.requestId && ids.has(entry.requestId) && typeof entry.ms === 'number') times.push(entry.ms);
  }
  return times;
}

export const totpScenario: Scenario = {
  name: 'totp',
  summary: 'TOTP step server time (p50, p99) and password+TOTP sign-ins/s',
  async run(ctx) {
    const sequential = setting(ctx, 'sequentialSignIns', 120, 4);
    const warmups = setting(ctx, 'warmupSignIns', 20, 2);
    const concurrency = setting(ctx, 'concurrency', 8, 2);
    const loadMs = setting(ctx, 'loadMs', 10_000, 600);
    const forLoad = Math.ceil((loadMs / 1000) * MAX_PLAUSIBLE_PER_SECOND);
    const count = warmups + sequential + forLoad;
    ctx.settings['accounts'] = count;

    const instance = await createInstance('totp');
    try {
      const ids = await bulkInsertPeople(instance.db, 0, count);
      ctx.progress(`enrolling TOTP for ${count} accounts`);
      const secrets = await enrolTotp(instance.db, instance.dataDir, ids, instance.databaseUrl);
      const idp = await instance.start({ ...ctx.idpOptions, logLevel: 'info' });
      const take = slicer(people(0, count, secrets));
      await load(totpSignIns(idp.issuer, 2, 30_000, take(warmups)), 'warm-up sign-ins');

      ctx.measuring();
      ctx.progress(`${sequential} sign-ins one at a time, timing the TOTP step`);
      const alone = await load(totpSignIns(idp.issuer, 1, 60_000, take(sequential)), 'sequential password+TOTP sign-ins');
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the last log lines arrive
      const client = alone.steps?.['totp'];
      if (!client) throw new Error('no TOTP step was timed: were the accounts asked for a code?');
      const server = summarise(serverTimes(idp.logLines, new Set((alone.totpRequests ?? []).map((r) => r.id))));
      if (server.count === 0) throw new Error('the IdP logged none of the TOTP requests (LOG_LEVEL=info, X-Request-Id)');
      const routes = serverTimesByRoute(idp.logLines);
      ctx.raw['serverMsByRoute'] = routes;
      ctx.progress(`server ms p50 per request, one sign-in at a time: ${Object.entries(routes).map(([r, v]) => `${r} ${v.p50}`).join(', ')}`);

      ctx.progress(`password+TOTP sign-ins at concurrency ${concurrency} for ${loadMs} ms, then argon2id at the same concurrency`);
      const busy = await load(totpSignIns(idp.issuer, concurrency, loadMs, take(forLoad)), 'concurrent password+TOTP sign-ins');
      const ref = await argon2Reference({ concurrency, durationMs: Math.min(loadMs, 5000), maxCount: NO_COUNT_LIMIT, warmupMs: ctx.smoke ? 100 : 500 });
      ctx.raw['sequential'] = { ...alone, server };
      ctx.raw['concurrent'] = busy;
      ctx.raw['argon2'] = ref;

      ctx.figure(figure({
        name: 'TOTP step p50, client side (loopback, one sign-in at a time)', value: client.p50, unit: 'ms',
        target: { on: 'value', op: '<', limit: 2, text: '< 2 ms' }, note: `p99 ${client.p99.toFixed(2)} ms, n=${client.count}`,
      }));
      ctx.figure(figure({
        name: 'TOTP step p50, server log ms (0.1 ms resolution)', value: server.p50, unit: 'ms',
        target: { on: 'value', op: '<', limit: 2, text: '< 2 ms' }, note: `p99 ${server.p99} ms, n=${server.count}`,
      }));
      const underLoad = busy.steps?.['totp'];
      if (underLoad) ctx.figure(figure({ name: `TOTP step p50 under load (concurrency ${concurrency}, queued behind argon2)`, value: underLoad.p50, unit: 'ms', note: `p99 ${underLoad.p99.toFixed(1)} ms` }));
      ctx.figure(figure({
        name: `password+TOTP sign-ins/s (concurrency ${concurrency})`, value: busy.perSecond, unit: '/s',
        reference: { name: 'raw argon2id verifies/s', value: ref.perSecond, unit: '/s' },
      }));
    } finally {
      await instance.dispose();
    }
  },
};
