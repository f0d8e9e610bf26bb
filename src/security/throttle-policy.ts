// Throttling arithmetic for failed sign-in attempts: how long to wait, given the failures so far and the time.
// Pure: the caller loads and saves the state (one row per key) and passes the clock's time in.

export type ThrottleFactor = 'pwd' | 'otp';
export type ThrottleScope = 'acct' | 'ip';

/** Failures counted for one key since the last success (a success deletes the row). */
export interface ThrottleState {
  failures: number;
  /** Milliseconds since the Unix epoch. */
  lastFailureAt: number;
}

export interface ThrottlePolicy {
  /** Consecutive failures allowed without any delay; the delay starts at failure number freeFailures + 1. */
  freeFailures: number;
  /** Delay after the first throttled failure; it doubles with each further one. */
  baseDelayMs: number;
  /** Ceiling for the doubling delay. */
  maxDelayMs: number;
  /**
   * NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account. At this
   * count the key is refused until `resetAfterMs` has passed since the last failure (or an admin resets it).
   */
  hardLimit: number;
  /** A key quiet for this long is forgotten: its failures no longer count. */
  resetAfterMs: number;
}

const MINUTE_MS = 60_000;

export const DEFAULT_THROTTLE_POLICY: Readonly<ThrottlePolicy> = Object.freeze({
  freeFailures: 4,
  baseDelayMs: 2_000,
  maxDelayMs: 15 * MINUTE_MS,
  hardLimit: 100,
  resetAfterMs: 24 * 60 * MINUTE_MS,
});

/** The storage key, e.g. `pwd:acct:<userId>` or `otp:ip:<ip>`: one spelling for every caller. */
export function throttleKey(factor: ThrottleFactor, scope: ThrottleScope, id: string): string {
  return `${factor}:${scope}:${id}`;
}

/**
 * Milliseconds until the next attempt may be checked; 0 when it may be checked now. While this is
 * above 0 the caller refuses without checking the password or code (and without recording a
 * failure), so guessing speed is bounded whatever the answers.
 */
export function retryAfterMs(state: ThrottleState | null, nowMs: number, policy: ThrottlePolicy): number {
  if (state === null || isForgotten(state, nowMs, policy)) return 0;
  const waitMs = delayAfter(state.failures, policy);
  if (waitMs === 0) return 0;
  // Clamp to the full delay so a clock stepping backwards cannot lengthen a wait without bound.
  return Math.min(waitMs, Math.max(0, state.lastFailureAt + waitMs - nowMs));
}

/** True once the key has reached the hard limit and is not yet forgotten: worth an alert or an audit entry. */
export function isHardLocked(state: ThrottleState | null, nowMs: number, policy: ThrottlePolicy): boolean {
  return state !== null && !isForgotten(state, nowMs, policy) && state.failures >= policy.hardLimit;
}

/** The state to save after a failed attempt; a key that had been forgotten starts again at one. */
export function recordFailure(state: ThrottleState | null, nowMs: number, policy: ThrottlePolicy): ThrottleState {
  const previous = state === null || isForgotten(state, nowMs, policy) ? 0 : state.failures;
  return { failures: previous + 1, lastFailureAt: nowMs };
}

/**
 * How long after the latest failure the key stays closed, for a given failure count: nothing up to
 * `freeFailures`, then base * 2^(failures - freeFailures - 1) capped at `maxDelayMs`, and at the hard
 * limit the whole reset window (so the lock ends exactly when the failures are forgotten).
 */
export function delayAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures >= policy.hardLimit) return policy.resetAfterMs;
  if (failures <= policy.freeFailures) return 0;
  const doublings = failures - policy.freeFailures - 1;
  // 2^doublings overflows to Infinity only far past any sane hardLimit; Math.min still caps it.
  return Math.min(policy.baseDelayMs * 2 ** doublings, policy.maxDelayMs);
}

/**
 * Failures are forgotten once `resetAfterMs` has passed since the latest one. The boundary is inclusive
 * so that a hard lock (which lasts exactly `resetAfterMs`) ends at the same instant the count is dropped.
 */
function isForgotten(state: ThrottleState, nowMs: number, policy: ThrottlePolicy): boolean {
  return nowMs - state.lastFailureAt >= policy.resetAfterMs;
}
