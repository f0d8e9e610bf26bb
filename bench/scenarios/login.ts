// `login`: complete password sign-ins per second (authorize → page → POST → callback → token with
// PKCE), many people at once with distinct accounts, against raw argon2id verifies per second at
// the same concurrency in a separate process: the floor no password sign-in can beat. The two are
// measured in alternating rounds, so a noisy neighbour slows both alike.
import { createInstance } from '../support/instance.ts';
import { bulkInsertPeople, people } from '../support/seed.ts';
import { figure } from '../support/report.ts';
import { alternate, argon2Reference, clientCpuPerOp, cpuByThread, cpuPerOp, load, maxOf, measure, NO_COUNT_LIMIT, passwordSignInJob, perSecond, roundRatios, slicer } from './common.ts';
import { mean, setting, type Scenario } from './context.ts';

// Nothing on these machines signs people in faster than this; slices are sized by it.
const MAX_PLAUSIBLE_PER_SECOND = 150;

export const loginScenario: Scenario = {
  name: 'login',
  summary: 'full password sign-ins/s vs raw argon2id verifies/s at the same concurrency',
  async run(ctx) {
    const concurrency = setting(ctx, 'concurrency', 8, 2);
    const rounds = setting(ctx, 'rounds', 3, 1);
    const roundMs = setting(ctx, 'roundMs', 6000, 700);
    const warmupMs = setting(ctx, 'warmupMs', 3000, 0);
    const perRound = Math.ceil((roundMs / 1000) * MAX_PLAUSIBLE_PER_SECOND);
    const count = Math.ceil(((warmupMs / 1000) * MAX_PLAUSIBLE_PER_SECOND) + rounds * perRound);
    ctx.settings['accounts'] = count;

    const instance = await createInstance('login');
    try {
      await bulkInsertPeople(instance.db, 0, count);
      const idp = await instance.start(ctx.idpOptions);
      const take = slicer(people(0, count));
      ctx.progress(`warming up ${warmupMs} ms`);
      if (warmupMs > 0) await load(passwordSignInJob(idp.issuer, { concurrency, durationMs: warmupMs, maxCount: NO_COUNT_LIMIT }, take(Math.ceil((warmupMs / 1000) * MAX_PLAUSIBLE_PER_SECOND))), 'warm-up sign-ins');

      ctx.measuring();
      const measured = await alternate(rounds, (m) => ctx.progress(`${m}: argon2 reference and sign-ins, ${roundMs} ms each at concurrency ${concurrency}`),
        async () => ({ report: await argon2Reference({ concurrency, durationMs: roundMs, maxCount: NO_COUNT_LIMIT, warmupMs: ctx.smoke ? 100 : 500 }), rss: [] }),
        () => measure(idp.pid, passwordSignInJob(idp.issuer, { concurrency, durationMs: roundMs, maxCount: perRound }, take(perRound)), 'password sign-ins'));
      ctx.raw['rounds'] = measured;
      ctx.figure(figure({
        name: `password sign-ins/s (concurrency ${concurrency}, distinct accounts)`, value: perSecond(measured.subs), unit: '/s',
        reference: { name: 'raw argon2id verifies/s', value: perSecond(measured.refs), unit: '/s' },
        target: { on: 'ratio', op: '>=', limit: 0.85, text: '≥ 85 % of argon2id' },
        note: roundRatios(measured.subs, measured.refs),
      }));
      ctx.figure(figure({
        name: 'IdP CPU per sign-in (all threads)', value: cpuPerOp(measured.subs), unit: 'ms',
        reference: { name: 'argon2id CPU per verify', value: cpuPerOp(measured.refs), unit: 'ms' },
        note: `${cpuByThread(measured.subs)}; the load client spent ${clientCpuPerOp(measured.subs).toFixed(1)} ms per sign-in on the same cores`,
      }));
      const p50 = measured.subs.map((r) => r.latency.p50);
      const p99 = measured.subs.map((r) => r.latency.p99);
      ctx.figure(figure({ name: 'sign-in latency p50', value: mean(p50), unit: 'ms', note: `p99 ${mean(p99).toFixed(0)} ms, mean over rounds` }));
      ctx.figure(figure({ name: 'IdP RSS peak during sign-ins', value: maxOf(measured.rss), unit: 'MiB' }));
    } finally {
      await instance.dispose();
    }
  },
};
