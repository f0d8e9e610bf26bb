// The load process: started by the benchmark with fork(), it receives one LoadJob over IPC, runs
// it against a loopback server and sends back a LoadReport. Kept apart from the IdP's process so
// the client's own work never counts as the server's.
import { basicAuth, createHttpClient, formBody, type HttpClient } from '../support/http.ts';
import { summarise } from '../support/stats.ts';
import type { LoadJob, LoadReport } from './jobs.ts';
import { runPool, type PoolResult } from './pool.ts';
import { signIn } from './sign-in.ts';

async function runJob(job: LoadJob): Promise<LoadReport> {
  const http = createHttpClient(job.limits.concurrency);
  try {
    switch (job.kind) {
      case 'sign-in': return await signIns(http, job);
      case 'client-credentials': return await clientCredentials(http, job);
      case 'refresh': return await refresh(http, job);
      case 'introspect': return await introspect(http, job);
      case 'discovery': return report(job.kind, await runPool(job.limits, async () => {
        expectStatus(await http.request(`${job.issuer}/.well-known/openid-configuration`), 200, 'discovery');
      }));
    }
  } finally {
    http.close();
  }
}

function report(kind: LoadJob['kind'], r: PoolResult, extra: Partial<LoadReport> = {}): LoadReport {
  return { kind, completed: r.completed, errors: r.errors, elapsedMs: r.elapsedMs, perSecond: r.perSecond, latency: summarise(r.latenciesMs), errorSamples: r.errorSamples, ...extra };
}

function expectStatus(res: { status: number; body: string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what} answered ${res.status}: ${res.body.slice(0, 200)}`);
}

async function signIns(http: HttpClient, job: Extract<LoadJob, { kind: 'sign-in' }>): Promise<LoadReport> {
  const steps: Record<string, number[]> = {};
  const totpRequests: Array<{ id: string; ms: number }> = [];
  const tokens: string[] = [];
  const limits = { ...job.limits, maxCount: Math.min(job.limits.maxCount, job.people.length) };
  const result = await runPool(limits, async (_worker, index) => {
    const person = job.people[index];
    if (!person) throw new Error(`no person for sign-in ${index}`);
    const { timings, tokens: got } = await signIn(http, job.client, person);
    for (const [step, ms] of Object.entries(timings.steps)) (steps[step] ??= []).push(ms);
    if (timings.totpRequestId) totpRequests.push({ id: timings.totpRequestId, ms: timings.steps['totp'] ?? Number.NaN });
    if (job.keepTokens && typeof got['refresh_token'] === 'string') tokens.push(got['refresh_token']);
  });
  return report(job.kind, result, {
    steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarise(v)])),
    totpRequests,
    ...(job.keepTokens ? { tokens } : {}),
    ...(job.keepSamples ? { samples: { total: result.latenciesMs, steps } } : {}),
  });
}

function tokenRequest(http: HttpClient, issuer: string, path: string, clientId: string, secret: string, fields: Record<string, string>) {
  return http.request(`${issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, secret) },
    body: formBody(fields),
  });
}

async function clientCredentials(http: HttpClient, job: Extract<LoadJob, { kind: 'client-credentials' }>): Promise<LoadReport> {
  const tokens: string[] = [];
  const result = await runPool(job.limits, async () => {
    const res = await tokenRequest(http, job.issuer, '/token', job.clientId, job.clientSecret, { grant_type: 'client_credentials' });
    expectStatus(res, 200, 'client_credentials');
    if (job.keepTokens && tokens.length < job.keepTokens) tokens.push(String((JSON.parse(res.body) as { access_token: unknown }).access_token));
  });
  return report(job.kind, result, job.keepTokens ? { tokens } : {});
}

async function refresh(http: HttpClient, job: Extract<LoadJob, { kind: 'refresh' }>): Promise<LoadReport> {
  // Each worker owns one chain: with rotation every answer carries the token for the next call.
  const chains = [...job.refreshTokens];
  if (chains.length < job.limits.concurrency) throw new Error(`need ${job.limits.concurrency} refresh tokens, got ${chains.length}`);
  const result = await runPool(job.limits, async (worker) => {
    const res = await tokenRequest(http, job.issuer, '/token', job.clientId, job.clientSecret, { grant_type: 'refresh_token', refresh_token: chains[worker] ?? '' });
    expectStatus(res, 200, 'refresh_token');
    const next = (JSON.parse(res.body) as { refresh_token?: unknown }).refresh_token;
    if (typeof next === 'string') chains[worker] = next;
  });
  return report(job.kind, result, { tokens: chains.slice(0, job.limits.concurrency) });
}

async function introspect(http: HttpClient, job: Extract<LoadJob, { kind: 'introspect' }>): Promise<LoadReport> {
  const result = await runPool(job.limits, async (_worker, index) => {
    const token = job.tokens[index % job.tokens.length] ?? '';
    const res = await tokenRequest(http, job.issuer, '/token/introspection', job.clientId, job.clientSecret, { token });
    expectStatus(res, 200, 'introspection');
    if (!res.body.includes('"active":true')) throw new Error(`introspection says inactive: ${res.body.slice(0, 200)}`);
  });
  return report(job.kind, result);
}

async function runMeasured(job: LoadJob): Promise<LoadReport> {
  const cpu0 = process.cpuUsage();
  const report = await runJob(job);
  const cpu = process.cpuUsage(cpu0);
  return { ...report, clientCpuMsPerOp: (cpu.user + cpu.system) / 1000 / Math.max(1, report.completed) };
}

process.once('message', (job: LoadJob) => {
  runMeasured(job).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }, () => process.exit(1)),
  );
});
