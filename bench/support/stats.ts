// Percentiles and summaries of latency samples (nearest-rank, as load tools usually report them).
import type { LatencySummary } from '../load/jobs.ts';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    count: sorted.length, mean, max: sorted[sorted.length - 1] ?? Number.NaN,
    p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99),
  };
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}
