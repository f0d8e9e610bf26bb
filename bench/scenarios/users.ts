// `users`: sign-in latency with 1 k, 100 k and 1 M accounts, to show that finding the account stays
// an index lookup. Three instances are seeded in bulk (one shared argon2id hash) and run side by
// side; sign-ins of random accounts go to each in turn, one at a time, starting each round with
// the next instance, so the machine's drift and any cost of going last fall on all three alike. Also: the account lookup itself through the store, and its query plan.
import type { Knex } from 'knex';
import { createAccountStore } from '../../src/accounts/store.ts';
import { systemClock } from '../../src/security/clock.ts';
import { createInstance, type Instance } from '../support/instance.ts';
import { figure } from '../support/report.ts';
import { bulkInsertPeople, people, usernameOf } from '../support/seed.ts';
import { summarise } from '../support/stats.ts';
import { load, passwordSignInJob } from './common.ts';
import { setting, type Scenario } from './context.ts';

const randomIndex = (n: number) => Math.floor(Math.random() * n);

/** The plan of the query findByLogin runs (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). */
async function lookupPlan(db: Knex): Promise<string[]> {
  const query = db('users').where('username_lower', 'bench-0000001').orWhere('email_lower', 'bench-0000001').limit(2).toString();
  if (db.client.config.client === 'sqlite3') {
    const rows = await db.raw(`EXPLAIN QUERY PLAN ${query}`) as Array<{ detail: string }>;
    return rows.map((r) => r.detail);
  }
  const result = await db.raw(`EXPLAIN ${query}`) as { rows: Array<Record<string, string>> };
  return result.rows.map((r) => Object.values(r).join(' '));
}

/** findByLogin through the real account store, in this process: p50 in ms. */
async function lookupTimes(db: Knex, size: number, samples: number) {
  const store = createAccountStore(db, systemClock);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const login = usernameOf(randomIndex(size));
    const t0 = performance.now();
    if (!(await store.findByLogin(login))) throw new Error(`${login} not found`);
    times.push(performance.now() - t0);
  }
  return summarise(times);
}

export const usersScenario: Scenario = {
  name: 'users',
  summary: 'sign-in latency p50 with 1k, 100k and 1M accounts (lookups stay on indexes)',
  async run(ctx) {
    const sizes = setting(ctx, 'accounts', [1_000, 100_000, 1_000_000], [100, 1_000]);
    const rounds = setting(ctx, 'rounds', 9, 1);
    const perRound = setting(ctx, 'signInsPerRound', 8, 3);
    const lookups = setting(ctx, 'lookups', 2000, 100);
    const instances: Instance[] = [];
    try {
      const seeded: Array<{ size: number; seconds: number }> = [];
      for (const size of sizes) {
        const instance = await createInstance(`users-${size}`);
        instances.push(instance);
        ctx.progress(`seeding ${size} accounts`);
        const t0 = performance.now();
        await bulkInsertPeople(instance.db, 0, size);
        seeded.push({ size, seconds: (performance.now() - t0) / 1000 });
      }
      const plans = await Promise.all(instances.map((i) => lookupPlan(i.db)));
      const direct = [];
      for (const [i, instance] of instances.entries()) direct.push(await lookupTimes(instance.db, sizes[i] ?? 0, lookups));
      const idps = [];
      for (const instance of instances) idps.push(await instance.start(ctx.idpOptions));
      const pick = (size: number, n: number) => Array.from({ length: n }, () => people(randomIndex(size), 1)[0]).filter((p) => p !== undefined);
      const warmups = setting(ctx, 'warmupSignIns', 3, 0);
      if (warmups > 0) for (const [i, idp] of idps.entries()) await load(passwordSignInJob(idp.issuer, { concurrency: 1, durationMs: 30_000, maxCount: warmups }, pick(sizes[i] ?? 0, warmups)), 'warm-up sign-ins');

      const total: number[][] = sizes.map(() => []);
      const loginStep: number[][] = sizes.map(() => []);
      ctx.measuring();
      for (let r = 0; r < rounds; r++) {
        ctx.progress(`round ${r + 1}/${rounds}: ${perRound} sign-ins on each instance, one at a time`);
        for (let k = 0; k < idps.length; k++) {
          const i = (r + k) % idps.length;
          const idp = idps[i];
          if (!idp) continue;
          const job = { ...passwordSignInJob(idp.issuer, { concurrency: 1, durationMs: 60_000, maxCount: perRound }, pick(sizes[i] ?? 0, perRound)), keepSamples: true };
          const report = await load(job, `sign-ins with ${sizes[i]} accounts`);
          total[i]?.push(...(report.samples?.total ?? []));
          loginStep[i]?.push(...(report.samples?.steps['login'] ?? []));
        }
      }
      const signIn = total.map((t) => summarise(t));
      const step = loginStep.map((t) => summarise(t));
      ctx.raw['seeding'] = seeded;
      ctx.raw['queryPlans'] = plans;
      ctx.raw['signIn'] = signIn;
      ctx.raw['loginStep'] = step;
      ctx.raw['directLookup'] = direct;

      const base = signIn[0];
      const baseStep = step[0];
      const baseLookup = direct[0];
      if (!base || !baseStep || !baseLookup) throw new Error('no measurements');
      const largest = sizes.length - 1;
      for (const [i, size] of sizes.entries()) {
        const s = signIn[i];
        const p = step[i];
        const d = direct[i];
        if (!s || !p || !d) continue;
        const label = size.toLocaleString('en');
        ctx.figure(figure({
          name: `sign-in p50 with ${label} accounts`, value: s.p50, unit: 'ms',
          ...(i === 0 ? {} : { reference: { name: `with ${sizes[0]?.toLocaleString('en')} accounts`, value: base.p50, unit: 'ms' } }),
          ...(i === largest && i > 0 ? { target: { on: 'ratio' as const, op: '<=' as const, limit: 1.1, text: 'within 10 % of the smallest' } } : {}),
          note: `POST /login p50 ${p.p50.toFixed(1)} ms, n=${s.count}`,
        }));
      }
      for (const [i, size] of sizes.entries()) {
        const d = direct[i];
        if (d) ctx.figure(figure({ name: `account lookup (findByLogin) p50 with ${size.toLocaleString('en')} accounts`, value: d.p50, unit: 'ms', ...(i === 0 ? {} : { reference: { name: 'smallest', value: baseLookup.p50, unit: 'ms' } }) }));
      }
      const big = seeded[largest];
      if (big) ctx.figure(figure({ name: `seeding ${big.size.toLocaleString('en')} accounts`, value: big.seconds, unit: 's', target: { on: 'value', op: '<', limit: 60, text: '< 60 s' }, note: `${Math.round(big.size / big.seconds).toLocaleString('en')} rows/s` }));
      ctx.progress(`query plan: ${plans[largest]?.join(' / ')}`);
    } finally {
      for (const instance of instances) await instance.dispose().catch((err: unknown) => ctx.progress(`clean-up failed: ${String(err)}`));
    }
  },
};
