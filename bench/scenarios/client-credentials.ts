// `client-credentials`: client_credentials grants per second from the IdP (its real persistent
// store) against bare oidc-provider with the memory adapter, same version, same client, same keys,
// same load; then token introspection per second on both. Alternating rounds, so drift in the
// machine's load falls on both sides alike.
import type { LoadJob } from '../load/jobs.ts';
import { startBareProvider } from '../support/bare.ts';
import { createInstance } from '../support/instance.ts';
import { figure } from '../support/report.ts';
import { SERVICE_CLIENT } from '../support/seed.ts';
import { alternate, clientCpuPerOp, cpuByThread, cpuPerOp, load, maxOf, measure, NO_COUNT_LIMIT, perSecond, roundRatios } from './common.ts';
import { mean, setting, type Scenario } from './context.ts';

const TOKENS_TO_INTROSPECT = 200;

function grants(issuer: string, concurrency: number, durationMs: number, keepTokens?: number): LoadJob {
  return {
    kind: 'client-credentials', limits: { concurrency, durationMs, maxCount: NO_COUNT_LIMIT }, issuer,
    clientId: SERVICE_CLIENT.id, clientSecret: SERVICE_CLIENT.secret, ...(keepTokens ? { keepTokens } : {}),
  };
}

function introspections(issuer: string, concurrency: number, durationMs: number, tokens: string[]): LoadJob {
  return { kind: 'introspect', limits: { concurrency, durationMs, maxCount: NO_COUNT_LIMIT }, issuer, clientId: SERVICE_CLIENT.id, clientSecret: SERVICE_CLIENT.secret, tokens };
}

export const clientCredentialsScenario: Scenario = {
  name: 'client-credentials',
  summary: 'client_credentials grants/s and introspections/s vs bare oidc-provider (memory adapter)',
  async run(ctx) {
    const concurrency = setting(ctx, 'concurrency', 16, 4);
    const rounds = setting(ctx, 'rounds', 3, 1);
    const roundMs = setting(ctx, 'roundMs', 4000, 500);
    const warmupMs = setting(ctx, 'warmupMs', 2000, 0);

    const instance = await createInstance('cc');
    const idp = await instance.start(ctx.idpOptions);
    const bare = await startBareProvider(instance.dataDir);
    try {
      if (warmupMs > 0) {
        ctx.progress(`warming up both for ${warmupMs} ms`);
        await load(grants(idp.issuer, concurrency, warmupMs), 'IdP warm-up');
        await load(grants(bare.issuer, concurrency, warmupMs), 'bare warm-up');
      }

      ctx.measuring();
      const grantRounds = await alternate(rounds, (m) => ctx.progress(`${m}: ${roundMs} ms each at concurrency ${concurrency}`),
        () => measure(bare.pid, grants(bare.issuer, concurrency, roundMs), 'bare client_credentials'),
        () => measure(idp.pid, grants(idp.issuer, concurrency, roundMs), 'IdP client_credentials'));
      ctx.raw['grantRounds'] = grantRounds;

      const introspectMs = setting(ctx, 'introspectMs', 3000, 400);
      const introspectRounds = setting(ctx, 'introspectRounds', 2, 1);
      // Fresh tokens: the bare provider's memory adapter is an LRU of 1,000 entries, so the
      // tokens of the grant rounds are long evicted there.
      const fresh = async (issuer: string) => (await load({ ...grants(issuer, concurrency, 10_000, TOKENS_TO_INTROSPECT), limits: { concurrency, durationMs: 10_000, maxCount: TOKENS_TO_INTROSPECT } }, 'tokens to introspect')).tokens ?? [];
      const idpTokens = await fresh(idp.issuer);
      const bareTokens = await fresh(bare.issuer);
      const intro = await alternate(introspectRounds, (m) => ctx.progress(`introspection ${m}`),
        () => measure(bare.pid, introspections(bare.issuer, concurrency, introspectMs, bareTokens), 'bare introspection'),
        () => measure(idp.pid, introspections(idp.issuer, concurrency, introspectMs, idpTokens), 'IdP introspection'));
      ctx.raw['introspectionRounds'] = intro;

      const bareName = 'bare oidc-provider, memory adapter';
      ctx.figure(figure({
        name: `client_credentials grants/s (concurrency ${concurrency})`, value: perSecond(grantRounds.subs), unit: '/s',
        reference: { name: bareName, value: perSecond(grantRounds.refs), unit: '/s' },
        target: { on: 'ratio', op: '>=', limit: 0.9, text: '≥ 90 % of bare' },
        note: roundRatios(grantRounds.subs, grantRounds.refs),
      }));
      ctx.figure(figure({
        name: 'server CPU per client_credentials grant (all threads)', value: 1000 * cpuPerOp(grantRounds.subs), unit: 'µs',
        reference: { name: bareName, value: 1000 * cpuPerOp(grantRounds.refs), unit: 'µs' },
        note: `${cpuByThread(grantRounds.subs, 'µs')}; the load client spent ${(1000 * clientCpuPerOp(grantRounds.subs)).toFixed(0)} µs per grant on the same cores`,
      }));
      const p50 = grantRounds.subs.map((r) => r.latency.p50);
      const p99 = grantRounds.subs.map((r) => r.latency.p99);
      ctx.figure(figure({ name: 'client_credentials latency p50', value: mean(p50), unit: 'ms', note: `p99 ${mean(p99).toFixed(1)} ms` }));
      ctx.figure(figure({
        name: `introspections/s (concurrency ${concurrency})`, value: perSecond(intro.subs), unit: '/s',
        reference: { name: bareName, value: perSecond(intro.refs), unit: '/s' },
      }));
      ctx.figure(figure({
        name: 'server CPU per introspection (all threads)', value: 1000 * cpuPerOp(intro.subs), unit: 'µs',
        reference: { name: bareName, value: 1000 * cpuPerOp(intro.refs), unit: 'µs' },
      }));
      ctx.figure(figure({ name: 'IdP RSS peak during client_credentials', value: maxOf(grantRounds.rss), unit: 'MiB' }));
    } finally {
      await bare.stop();
      await instance.dispose();
    }
  },
};
