// `node bench/compare.ts <client-credentials|refresh|login> --variant <spec>...`: several IdP
// variants against the same reference in ONE run, rounds alternating, so a change can be judged
// on a noisy machine. A variant is `label[@checkout][:NAME=VALUE,...]`: another checkout of the
// repository to run src/main.ts from (e.g. a git worktree of main) and/or extra environment.
//   node bench/compare.ts client-credentials --variant today@../main-head --variant mine
//   node bench/compare.ts login --variant pool4 --variant pool8:UV_THREADPOOL_SIZE=8
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadJob, LoadReport } from './load/jobs.ts';
import { startBareProvider, type BareProvider } from './support/bare.ts';
import { createInstance, type Instance } from './support/instance.ts';
import type { IdpProcess } from './support/idp.ts';
import { DEFAULT_RESULTS_DIR, machine, writeResult } from './support/report.ts';
import { bulkInsertPeople, people, REDIRECT_URI, SERVICE_CLIENT, WEB_CLIENT } from './support/seed.ts';
import { argon2Reference, cpuByThread, load, measure, NO_COUNT_LIMIT, passwordSignInJob, slicer, type Measured } from './scenarios/common.ts';

interface Variant { label: string; root?: string; env: Record<string, string> }

function parseVariant(spec: string): Variant {
  const [head = '', envPart = ''] = spec.split(/:(.*)/s);
  const [label = '', root] = head.split('@');
  const env: Record<string, string> = {};
  for (const pair of envPart.split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`bad NAME=VALUE "${pair}" in variant "${spec}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { label, ...(root ? { root: path.resolve(root) } : {}), env };
}

const WORKLOADS = ['client-credentials', 'refresh', 'login'] as const;
type Workload = (typeof WORKLOADS)[number];

interface Target { label: string; pid: number; run(ms: number): Promise<Measured> }

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      variant: { type: 'string', multiple: true }, rounds: { type: 'string' }, ms: { type: 'string' },
      concurrency: { type: 'string' }, out: { type: 'string' },
    },
  });
  const workload = positionals[0] as Workload | undefined;
  if (!workload || !WORKLOADS.includes(workload) || !values.variant?.length) {
    console.error('usage: node bench/compare.ts <client-credentials|refresh|login> --variant label[@checkout][:NAME=VALUE,...] ... [--rounds 4] [--ms 4000] [--concurrency N]');
    return 2;
  }
  const variants = values.variant.map(parseVariant);
  const rounds = Number(values.rounds ?? 4);
  const ms = Number(values.ms ?? (workload === 'login' ? 5000 : 4000));
  const concurrency = Number(values.concurrency ?? (workload === 'login' ? 8 : 16));
  const instances: Instance[] = [];
  const stops: Array<() => Promise<void>> = [];
  const targets: Target[] = [];
  let reference: Target | undefined;
  try {
    for (const v of variants) {
      const instance = await createInstance('compare');
      instances.push(instance);
      const accounts = workload === 'login' ? (rounds + 1) * 1000 : concurrency;
      if (workload !== 'client-credentials') await bulkInsertPeople(instance.db, 0, accounts);
      const idp = await instance.start({ env: v.env, ...(v.root ? { root: v.root } : {}) });
      targets.push(await target(workload, v.label, idp, concurrency, people(0, accounts)));
      if (!reference) {
        if (workload === 'login') {
          reference = { label: 'raw argon2id', pid: 0, run: async (d) => ({ report: await argon2Reference({ concurrency, durationMs: d, maxCount: NO_COUNT_LIMIT, warmupMs: 300 }), rss: [] }) };
        } else {
          const bare = await startBareProvider(instance.dataDir);
          stops.push(() => bare.stop());
          reference = await bareTarget(workload, bare, concurrency);
        }
      }
    }
    if (!reference) throw new Error('no reference');
    const all = [reference, ...targets];
    for (const t of all) await t.run(1500); // warm-up
    const results = new Map<string, LoadReport[]>(all.map((t) => [t.label, []]));
    for (let r = 0; r < rounds; r++) {
      console.error(`round ${r + 1}/${rounds}`);
      for (const t of r % 2 === 0 ? all : [...all].reverse()) results.get(t.label)?.push((await t.run(ms)).report);
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    const refRate = mean((results.get(reference.label) ?? []).map((r) => r.perSecond));
    const m = machine();
    console.log(`${workload}, concurrency ${concurrency}, ${rounds} rounds of ${ms} ms; ${m.nproc} × ${m.cpuModel}, Node ${m.node}, load average ${m.loadAverage.join(' ')}`);
    for (const [label, reports] of results) {
      const rate = mean(reports.map((r) => r.perSecond));
      const unit = workload === 'login' ? 'ms' : 'µs';
      const cpu = (workload === 'login' ? 1 : 1000) * mean(reports.map((r) => r.cpuMsPerOp ?? Number.NaN));
      console.log(`${label.padEnd(24)} ${rate.toFixed(1).padStart(8)}/s ${(100 * rate / refRate).toFixed(1).padStart(6)} %  p50 ${mean(reports.map((r) => r.latency.p50)).toFixed(1)} ms  CPU/op ${cpu.toFixed(workload === 'login' ? 1 : 0)} ${unit} (${cpuByThread(reports, unit)})  rounds ${reports.map((r) => r.perSecond.toFixed(0)).join(' ')}`);
    }
    const file = writeResult(path.resolve(values.out ?? DEFAULT_RESULTS_DIR), {
      scenario: `compare-${workload}`, smoke: false, startedAt: new Date().toISOString(), durationMs: 0, machine: m, loadAverageAfter: m.loadAverage,
      settings: { rounds, ms, concurrency, variants }, figures: [], raw: Object.fromEntries(results),
    });
    console.error(`→ ${file}`);
    return 0;
  } finally {
    for (const stop of stops) await stop();
    for (const instance of instances) await instance.dispose();
  }
}

function grantJob(issuer: string, concurrency: number, ms: number): LoadJob {
  return { kind: 'client-credentials', limits: { concurrency, durationMs: ms, maxCount: NO_COUNT_LIMIT }, issuer, clientId: SERVICE_CLIENT.id, clientSecret: SERVICE_CLIENT.secret };
}

/** A load against one variant; refresh chains and sign-in accounts carry over between rounds. */
async function target(workload: Workload, label: string, idp: IdpProcess, concurrency: number, accounts: ReturnType<typeof people>): Promise<Target> {
  if (workload === 'client-credentials') return { label, pid: idp.pid, run: (ms) => measure(idp.pid, grantJob(idp.issuer, concurrency, ms), label) };
  if (workload === 'login') {
    const take = slicer(accounts);
    return { label, pid: idp.pid, run: (ms) => measure(idp.pid, passwordSignInJob(idp.issuer, { concurrency, durationMs: ms, maxCount: 1000 }, take(1000)), label) };
  }
  const signedIn = await load({
    kind: 'sign-in', limits: { concurrency: 4, durationMs: 60_000, maxCount: concurrency }, people: accounts, keepTokens: true,
    client: { issuer: idp.issuer, clientId: WEB_CLIENT.id, clientSecret: WEB_CLIENT.secret, redirectUri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' },
  }, `${label}: sign-ins for refresh tokens`);
  return refreshTarget(label, idp.pid, idp.issuer, concurrency, signedIn.tokens ?? []);
}

function refreshTarget(label: string, pid: number, issuer: string, concurrency: number, tokens: string[]): Target {
  let chains = tokens;
  return {
    label, pid,
    async run(ms) {
      const m = await measure(pid, { kind: 'refresh', limits: { concurrency, durationMs: ms, maxCount: NO_COUNT_LIMIT }, issuer, clientId: WEB_CLIENT.id, clientSecret: WEB_CLIENT.secret, refreshTokens: chains }, label);
      chains = m.report.tokens ?? [];
      return m;
    },
  };
}

async function bareTarget(workload: Workload, bare: BareProvider, concurrency: number): Promise<Target> {
  const label = 'bare oidc-provider';
  if (workload === 'refresh') return refreshTarget(label, bare.pid, bare.issuer, concurrency, await bare.mintRefreshTokens(WEB_CLIENT.id, concurrency));
  return { label, pid: bare.pid, run: (ms) => measure(bare.pid, grantJob(bare.issuer, concurrency, ms), label) };
}

process.exitCode = await main();
