// The sign-in limiter: failure counters in the database (so they survive restarts and are shared
// by every instance), with the arithmetic in throttle-policy.ts. Failures are counted with one
// atomic upsert, so parallel guesses on several instances all count.
import type { Knex } from 'knex';
import { sqlRunner } from '../db/prepared.ts';
import { toMillis } from '../db/rows.ts';
import type { Clock } from './clock.ts';
import { isHardLocked, retryAfterMs, type ThrottlePolicy, type ThrottleState } from './throttle-policy.ts';

export interface ThrottleBucket { key: string; policy: ThrottlePolicy }

/** What one read of the counters says: how long to wait, and which keys have failures on record. */
export interface ThrottleCheck { retryAfterMs: number; counted: Set<string> }

export interface Throttle {
  /** Milliseconds until every bucket allows an attempt (0 = go ahead). */
  retryAfter(buckets: ThrottleBucket[]): Promise<number>;
  /** retryAfter, plus the keys that have a counter row (so a success can skip resetting the others). */
  check(buckets: ThrottleBucket[]): Promise<ThrottleCheck>;
  /** Counts one failure in every bucket; returns the buckets that reached their hard limit. */
  fail(buckets: ThrottleBucket[]): Promise<string[]>;
  reset(keys: string[]): Promise<void>;
}

/** A counter row as stored; exported for a caller that reads it in the same statement as other data. */
export interface ThrottleRow { key: string; failures: number | string; last_failure_at: number | string }

const statesOf = (rows: readonly ThrottleRow[]) => new Map<string, ThrottleState>(rows.map((r) => [r.key, { failures: Number(r.failures), lastFailureAt: toMillis(r.last_failure_at) }]));

/** What the counter rows read for `buckets` say at `now` (rows of other keys are ignored). */
export function checkRows(buckets: ThrottleBucket[], rows: readonly ThrottleRow[], now: number): ThrottleCheck {
  const states = statesOf(rows);
  const counted = new Set(buckets.map((b) => b.key).filter((k) => states.has(k)));
  return { retryAfterMs: Math.max(0, ...buckets.map((b) => retryAfterMs(states.get(b.key) ?? null, now, b.policy))), counted };
}

// One placeholder per key; a sign-in step has two or three keys, so a handful of statements are
// prepared once each (src/db/prepared.ts, docs/performance.md).
const placeholders = (keys: string[]) => keys.map(() => '?').join(', ');

export function createThrottle(db: Knex, clock: Clock): Throttle {
  const sql = sqlRunner(db);
  async function loadRows(keys: string[]): Promise<ThrottleRow[]> {
    return keys.length === 0 ? [] : sql.all<ThrottleRow>(`select "key", failures, last_failure_at from throttle where "key" in (${placeholders(keys)})`, keys);
  }
  return {
    async retryAfter(buckets) {
      return (await this.check(buckets)).retryAfterMs;
    },
    async check(buckets) {
      const rows = await loadRows(buckets.map((b) => b.key));
      return checkRows(buckets, rows, clock.now());
    },
    async fail(buckets) {
      const now = clock.now();
      for (const b of buckets) {
        // A counter quiet for longer than the reset window starts again at one.
        const forgetBefore = now - b.policy.resetAfterMs;
        await db('throttle').insert({ key: b.key, failures: 1, last_failure_at: now }).onConflict('key').merge({
          failures: db.raw('CASE WHEN throttle.last_failure_at <= ? THEN 1 ELSE throttle.failures + 1 END', [forgetBefore]),
          last_failure_at: now,
        });
      }
      const rows = await loadRows(buckets.map((b) => b.key));
      const states = statesOf(rows);
      return buckets.filter((b) => isHardLocked(states.get(b.key) ?? null, now, b.policy)).map((b) => b.key);
    },
    async reset(keys) {
      if (keys.length > 0) await sql.run(`delete from throttle where "key" in (${placeholders(keys)})`, keys);
    },
  };
}
