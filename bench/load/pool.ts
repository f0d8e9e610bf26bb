// A concurrency pool bounded by count and by time: `concurrency` workers repeat one operation
// until `maxCount` operations have started or `durationMs` has passed; the first `warmupMs` of
// work is done but not counted.

export interface PoolLimits {
  concurrency: number;
  durationMs: number;
  maxCount: number;
  warmupMs?: number;
}

export interface PoolResult {
  /** Operations that succeeded after the warm-up. */
  completed: number;
  errors: number;
  /** From the end of the warm-up to the last completion. */
  elapsedMs: number;
  perSecond: number;
  /** Latency of every counted operation, in milliseconds. */
  latenciesMs: number[];
  errorSamples: string[];
}

/** `op(worker, index)` runs one operation; it throws on failure. */
export async function runPool(limits: PoolLimits, op: (worker: number, index: number) => Promise<void>): Promise<PoolResult> {
  const warmupMs = limits.warmupMs ?? 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const deadline = measureFrom + limits.durationMs;
  let started = 0;
  let completed = 0;
  let errors = 0;
  let lastDone = measureFrom;
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];

  async function worker(w: number): Promise<void> {
    while (started < limits.maxCount && performance.now() < deadline) {
      const index = started++;
      const t0 = performance.now();
      try {
        await op(w, index);
        const t1 = performance.now();
        if (t0 >= measureFrom) {
          completed++;
          latenciesMs.push(t1 - t0);
          lastDone = t1;
        }
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(err instanceof Error ? err.message : String(err));
        // A failing server must not be hammered in a tight loop.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  await Promise.all(Array.from({ length: limits.concurrency }, (_, w) => worker(w)));
  const elapsedMs = Math.max(1, lastDone - measureFrom);
  return { completed, errors, elapsedMs, perSecond: completed / (elapsedMs / 1000), latenciesMs, errorSamples };
}
