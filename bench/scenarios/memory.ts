// `memory`: the IdP's resident set (VmRSS from /proc/<pid>/status) at idle after start-up, under a
// password sign-in load and under a client_credentials load, and at idle again afterwards.
import { createInstance } from '../support/instance.ts';
import { figure } from '../support/report.ts';
import { bulkInsertPeople, people, SERVICE_CLIENT } from '../support/seed.ts';
import { median } from '../support/stats.ts';
import { measure, maxOf, NO_COUNT_LIMIT, passwordSignInJob } from './common.ts';
import { setting, type Scenario } from './context.ts';

const MAX_PLAUSIBLE_PER_SECOND = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const memoryScenario: Scenario = {
  name: 'memory',
  summary: 'IdP RSS at idle and under login and client_credentials loads',
  async run(ctx) {
    const settleMs = setting(ctx, 'settleMs', 2000, 200);
    const loadMs = setting(ctx, 'loadMs', 8000, 600);
    const loginConcurrency = setting(ctx, 'loginConcurrency', 8, 2);
    const grantConcurrency = setting(ctx, 'grantConcurrency', 16, 4);
    const count = Math.ceil((loadMs / 1000) * MAX_PLAUSIBLE_PER_SECOND);

    const instance = await createInstance('memory');
    try {
      await bulkInsertPeople(instance.db, 0, count);
      const idp = await instance.start(ctx.idpOptions);
      await sleep(settleMs);
      const idle = idp.rssMb();
      ctx.progress(`password sign-ins for ${loadMs} ms at concurrency ${loginConcurrency}`);
      const login = await measure(idp.pid, passwordSignInJob(idp.issuer, { concurrency: loginConcurrency, durationMs: loadMs, maxCount: count }, people(0, count)), 'sign-ins');
      ctx.progress(`client_credentials for ${loadMs} ms at concurrency ${grantConcurrency}`);
      const grants = await measure(idp.pid, {
        kind: 'client-credentials', limits: { concurrency: grantConcurrency, durationMs: loadMs, maxCount: NO_COUNT_LIMIT },
        issuer: idp.issuer, clientId: SERVICE_CLIENT.id, clientSecret: SERVICE_CLIENT.secret,
      }, 'client_credentials');
      await sleep(settleMs);
      const after = idp.rssMb();
      ctx.raw['rssMb'] = { idle, login: login.rss, clientCredentials: grants.rss, idleAfter: after };
      const target = { on: 'value' as const, op: '<' as const, limit: 150, text: '< 150 MiB' };
      ctx.figure(figure({ name: 'RSS at idle after start', value: idle, unit: 'MiB', target }));
      ctx.figure(figure({ name: `RSS peak under password sign-ins (concurrency ${loginConcurrency})`, value: maxOf(login.rss), unit: 'MiB', target, note: `median ${median(login.rss).toFixed(0)} MiB, ${login.report.perSecond.toFixed(1)} sign-ins/s` }));
      ctx.figure(figure({ name: `RSS peak under client_credentials (concurrency ${grantConcurrency})`, value: maxOf(grants.rss), unit: 'MiB', target, note: `median ${median(grants.rss).toFixed(0)} MiB, ${grants.report.perSecond.toFixed(0)} grants/s` }));
      ctx.figure(figure({ name: 'RSS at idle after the loads', value: after, unit: 'MiB' }));
    } finally {
      await instance.dispose();
    }
  },
};
