// The login floor: raw argon2id verifies per second with the IdP's own hasher and parameters
// (OWASP 19 MiB, t=2, p=1), at a given concurrency, in a process of its own. Same libuv thread
// pool as the IdP (UV_THREADPOOL_SIZE is inherited from the environment).
import { runPool } from '../load/pool.ts';
import type { Limits, LoadReport } from '../load/jobs.ts';
import { summarise } from '../support/stats.ts';
import { createArgon2Hasher, OWASP_ARGON2ID } from '../../src/security/password-hashing.ts';

export interface Argon2Job { limits: Limits }

process.once('message', (job: Argon2Job) => {
  (async (): Promise<LoadReport> => {
    const hasher = createArgon2Hasher(OWASP_ARGON2ID);
    const hash = await hasher.hash('reference-password');
    const verify = async () => {
      if (!(await hasher.verify(hash, 'reference-password'))) throw new Error('argon2 verify failed');
    };
    const { warmupMs = 0, ...measured } = job.limits;
    if (warmupMs > 0) await runPool({ ...measured, durationMs: warmupMs }, verify);
    const cpu0 = process.cpuUsage();
    const r = await runPool(measured, verify);
    const cpu = process.cpuUsage(cpu0);
    return {
      kind: 'argon2', completed: r.completed, errors: r.errors, elapsedMs: r.elapsedMs, perSecond: r.perSecond,
      latency: summarise(r.latenciesMs), errorSamples: r.errorSamples, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / Math.max(1, r.completed),
    };
  })().then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: String(err) }, () => process.exit(1)),
  );
});
