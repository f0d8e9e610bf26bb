// `refresh`: refresh_token grants per second (with rotation: every answer carries the next token)
// from the IdP against bare oidc-provider with the memory adapter, same client, keys and load.
// The IdP's refresh tokens come from real sign-ins (offline_access needs prompt=consent); the bare
// provider's are minted in its process as a finished sign-in would leave them.
import type { LoadJob } from '../load/jobs.ts';
import { startBareProvider } from '../support/bare.ts';
import { createInstance } from '../support/instance.ts';
import { figure } from '../support/report.ts';
import { bulkInsertPeople, people, REDIRECT_URI, WEB_CLIENT } from '../support/seed.ts';
import { alternate, clientCpuPerOp, cpuByThread, cpuPerOp, load, maxOf, measure, NO_COUNT_LIMIT, perSecond, roundRatios } from './common.ts';
import { mean, setting, type Scenario } from './context.ts';

function refreshes(issuer: string, concurrency: number, durationMs: number, refreshTokens: string[]): LoadJob {
  return { kind: 'refresh', limits: { concurrency, durationMs, maxCount: NO_COUNT_LIMIT }, issuer, clientId: WEB_CLIENT.id, clientSecret: WEB_CLIENT.secret, refreshTokens };
}

export const refreshScenario: Scenario = {
  name: 'refresh',
  summary: 'refresh_token grants/s (rotating) vs bare oidc-provider (memory adapter)',
  async run(ctx) {
    const concurrency = setting(ctx, 'concurrency', 16, 4);
    const rounds = setting(ctx, 'rounds', 3, 1);
    const roundMs = setting(ctx, 'roundMs', 4000, 500);
    const warmupMs = setting(ctx, 'warmupMs', 2000, 0);

    const instance = await createInstance('refresh');
    try {
      await bulkInsertPeople(instance.db, 0, concurrency);
      const idp = await instance.start(ctx.idpOptions);
      ctx.progress(`signing in ${concurrency} people with offline_access for their refresh tokens`);
      const signedIn = await load({
        kind: 'sign-in', limits: { concurrency: Math.min(concurrency, 4), durationMs: 60_000, maxCount: concurrency }, people: people(0, concurrency), keepTokens: true,
        client: { issuer: idp.issuer, clientId: WEB_CLIENT.id, clientSecret: WEB_CLIENT.secret, redirectUri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' },
      }, 'sign-ins for refresh tokens');
      let ourChains = signedIn.tokens ?? [];
      if (ourChains.length < concurrency) throw new Error(`the IdP issued ${ourChains.length} refresh tokens for ${concurrency} sign-ins`);
      const bare = await startBareProvider(instance.dataDir);
      try {
        let bareChains = await bare.mintRefreshTokens(WEB_CLIENT.id, concurrency);
        if (warmupMs > 0) {
          ctx.progress(`warming up both for ${warmupMs} ms`);
          ourChains = (await load(refreshes(idp.issuer, concurrency, warmupMs, ourChains), 'IdP warm-up')).tokens ?? [];
          bareChains = (await load(refreshes(bare.issuer, concurrency, warmupMs, bareChains), 'bare warm-up')).tokens ?? [];
        }

        ctx.measuring();
        const measured = await alternate(rounds, (m) => ctx.progress(`${m}: ${roundMs} ms each at concurrency ${concurrency}`),
          async () => {
            const m = await measure(bare.pid, refreshes(bare.issuer, concurrency, roundMs, bareChains), 'bare refresh_token');
            bareChains = m.report.tokens ?? [];
            return m;
          },
          async () => {
            const m = await measure(idp.pid, refreshes(idp.issuer, concurrency, roundMs, ourChains), 'IdP refresh_token');
            ourChains = m.report.tokens ?? [];
            return m;
          });
        ctx.raw['rounds'] = measured;
        const bareName = 'bare oidc-provider, memory adapter';
        ctx.figure(figure({
          name: `refresh_token grants/s (rotating, concurrency ${concurrency})`, value: perSecond(measured.subs), unit: '/s',
          reference: { name: bareName, value: perSecond(measured.refs), unit: '/s' },
          target: { on: 'ratio', op: '>=', limit: 0.9, text: '≥ 90 % of bare' },
          note: roundRatios(measured.subs, measured.refs),
        }));
        ctx.figure(figure({
          name: 'server CPU per refresh_token grant (all threads)', value: 1000 * cpuPerOp(measured.subs), unit: 'µs',
          reference: { name: bareName, value: 1000 * cpuPerOp(measured.refs), unit: 'µs' },
          note: `${cpuByThread(measured.subs, 'µs')}; the load client spent ${(1000 * clientCpuPerOp(measured.subs)).toFixed(0)} µs per grant on the same cores`,
        }));
        const p50 = measured.subs.map((r) => r.latency.p50);
        const p99 = measured.subs.map((r) => r.latency.p99);
        ctx.figure(figure({ name: 'refresh_token latency p50', value: mean(p50), unit: 'ms', note: `p99 ${mean(p99).toFixed(1)} ms` }));
        ctx.figure(figure({ name: 'IdP RSS peak during refreshes', value: maxOf(measured.rss), unit: 'MiB' }));
      } finally {
        await bare.stop();
      }
    } finally {
      await instance.dispose();
    }
  },
};
