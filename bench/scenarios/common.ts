// Pieces the scenarios share: the argon2 reference, A/B rounds, RSS sampling around a load, and
// the rule that a load with errors (or with nothing done) fails the scenario.
import { fileURLToPath } from 'node:url';
import type { Limits, LoadJob, LoadReport } from '../load/jobs.ts';
import type { Person } from '../load/sign-in.ts';
import { askChild, runLoad } from '../support/children.ts';
import { cpuMs, sampleRss, threadCpuMs } from '../support/proc-stats.ts';
import { PUBLIC_CLIENT, REDIRECT_URI } from '../support/seed.ts';

const ARGON2_SCRIPT = fileURLToPath(new URL('../reference/argon2.ts', import.meta.url));

/** Throws unless the load finished something and nothing failed. */
export function assertClean(report: LoadReport, what: string): LoadReport {
  if (report.errors > 0 || report.completed === 0) {
    throw new Error(`${what}: ${report.completed} done, ${report.errors} failed: ${report.errorSamples.join(' | ') || 'nothing completed'}`);
  }
  return report;
}

export async function load(job: LoadJob, what: string): Promise<LoadReport> {
  return assertClean(await runLoad(job), what);
}

/**
 * Runs a load against the server process `pid` while sampling its RSS (MiB); the report gets the
 * server's CPU time per operation, a cost that the machine's other load hardly changes.
 */
export async function measure(pid: number, job: LoadJob, what: string): Promise<{ report: LoadReport; rss: number[] }> {
  const sampler = sampleRss(pid);
  const cpu0 = cpuMs(pid);
  const threads0 = threadCpuMs(pid);
  try {
    const report = await load(job, what);
    const ops = Math.max(1, report.completed);
    report.cpuMsPerOp = (cpuMs(pid) - cpu0) / ops;
    report.cpuMsPerOpByThread = Object.fromEntries(Object.entries(threadCpuMs(pid))
      .map(([name, ms]) => [name, (ms - (threads0[name] ?? 0)) / ops] as const).filter(([, ms]) => ms > 0));
    return { report, rss: sampler.stop() };
  } catch (err) {
    sampler.stop();
    throw err;
  }
}

/** Raw argon2id verifies per second (the IdP's hasher and parameters), in a process of its own. */
export async function argon2Reference(limits: Limits): Promise<LoadReport> {
  const budget = (limits.warmupMs ?? 0) + limits.durationMs + 60_000;
  return assertClean(await askChild<LoadReport>(ARGON2_SCRIPT, { limits }, budget), 'argon2 reference');
}

export function passwordSignInJob(issuer: string, limits: Limits, people: Person[]): LoadJob {
  return {
    kind: 'sign-in', limits: { ...limits, maxCount: Math.min(limits.maxCount, people.length) }, people,
    client: { issuer, clientId: PUBLIC_CLIENT, redirectUri: REDIRECT_URI, scope: 'openid profile email' },
  };
}

/** Hands out disjoint slices of a list, so no account signs in twice across phases. */
export function slicer<T>(items: T[]): (n: number) => T[] {
  let next = 0;
  return (n) => {
    const slice = items.slice(next, next + n);
    next += n;
    if (slice.length < n) throw new Error(`only ${slice.length} of ${n} seeded accounts left`);
    return slice;
  };
}

export const maxOf = (values: number[]): number => values.reduce((m, v) => Math.max(m, v), 0);


/** For loads bounded by time alone (Infinity does not survive the trip over IPC). */
export const NO_COUNT_LIMIT = 1_000_000_000;

export interface Measured { report: LoadReport; rss: number[] }

/**
 * `rounds` A/B pairs of reference and subject, the order alternating each round so that neither
 * always gets the quieter half; returns every round's reports.
 */
export async function alternate(rounds: number, progress: (m: string) => void, reference: () => Promise<Measured>, subject: () => Promise<Measured>) {
  const refs: LoadReport[] = [];
  const subs: LoadReport[] = [];
  const rss: number[] = [];
  for (let r = 0; r < rounds; r++) {
    progress(`round ${r + 1}/${rounds}`);
    const first = r % 2 === 0 ? await reference() : await subject();
    const second = r % 2 === 0 ? await subject() : await reference();
    const [ref, sub] = r % 2 === 0 ? [first, second] : [second, first];
    refs.push(ref.report);
    subs.push(sub.report);
    rss.push(...sub.rss);
  }
  return { refs, subs, rss };
}

const meanOf = (values: number[]) => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);

/** CPU ms per operation of the serving process (all its threads), averaged over rounds. */
export function cpuPerOp(reports: LoadReport[]): number {
  return meanOf(reports.map((r) => r.cpuMsPerOp ?? Number.NaN));
}

/** "main 16.1 ms, libuv-worker 31.2 ms, …": the serving process's CPU per operation by thread, averaged over rounds. */
export function cpuByThread(reports: LoadReport[], unit: 'ms' | 'µs' = 'ms'): string {
  const names = [...new Set(reports.flatMap((r) => Object.keys(r.cpuMsPerOpByThread ?? {})))];
  const scale = unit === 'ms' ? 1 : 1000;
  return names.map((n) => [n, scale * meanOf(reports.map((r) => r.cpuMsPerOpByThread?.[n] ?? 0))] as const)
    .sort((a, b) => b[1] - a[1]).map(([n, v]) => `${n} ${v.toFixed(unit === 'ms' ? 1 : 0)} ${unit}`).join(', ');
}

/** CPU ms per operation of the load process, averaged over rounds. */
export function clientCpuPerOp(reports: LoadReport[]): number {
  return meanOf(reports.map((r) => r.clientCpuMsPerOp ?? Number.NaN));
}

/** "per round 59 %, 75 %, 182 %": the subject's rate over the reference's, round by round. */
export function roundRatios(subs: LoadReport[], refs: LoadReport[]): string {
  return `per round ${subs.map((s, i) => `${(100 * s.perSecond / (refs[i]?.perSecond ?? Number.NaN)).toFixed(0)} %`).join(', ')}`;
}

/** Mean operations per second over rounds. */
export function perSecond(reports: LoadReport[]): number {
  return meanOf(reports.map((r) => r.perSecond));
}
