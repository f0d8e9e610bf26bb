import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock } from './clock.ts';
import {
  DEFAULT_THROTTLE_POLICY as P,
  type ThrottleState,
  delayAfter,
  isHardLocked,
  recordFailure,
  retryAfterMs,
  throttleKey,
} from './throttle-policy.ts';

const T0 = Date.UTC(2025, 0, 1);
const DAY_MS = 24 * 60 * 60 * 1000;

function failTimes(n: number, atMs: number): ThrottleState {
  let state: ThrottleState | null = null;
  for (let i = 0; i < n; i++) state = recordFailure(state, atMs, P);
  assert.ok(state !== null);
  return state;
}

test('the defaults: 4 free failures, 2 s base, 15 min cap, 100 hard limit, 24 h memory', () => {
  assert.deepEqual({ ...P }, { freeFailures: 4, baseDelayMs: 2000, maxDelayMs: 900_000, hardLimit: 100, resetAfterMs: DAY_MS });
  assert.ok(Object.isFrozen(P));
});

test('no state, or four failures, means no wait', () => {
  assert.equal(retryAfterMs(null, T0, P), 0);
  assert.equal(retryAfterMs(failTimes(4, T0), T0, P), 0);
});

test('the 5th failure costs 2 s, the 6th 4 s, the 7th 8 s', () => {
  assert.equal(retryAfterMs(failTimes(5, T0), T0, P), 2000);
  assert.equal(retryAfterMs(failTimes(6, T0), T0, P), 4000);
  assert.equal(retryAfterMs(failTimes(7, T0), T0, P), 8000);
});

test('the wait counts down from the last failure', () => {
  const clock = manualClock(T0);
  const state = failTimes(6, clock.now());
  clock.advance(1500);
  assert.equal(retryAfterMs(state, clock.now(), P), 2500);
  clock.advance(2500);
  assert.equal(retryAfterMs(state, clock.now(), P), 0);
  clock.advance(60_000);
  assert.equal(retryAfterMs(state, clock.now(), P), 0);
});

test('the doubling stops at the 15-minute cap', () => {
  assert.equal(delayAfter(13, P), 512_000);
  assert.equal(delayAfter(14, P), 900_000); // 1 024 000 capped
  assert.equal(delayAfter(99, P), 900_000);
  assert.equal(retryAfterMs(failTimes(50, T0), T0 + 60_000, P), 840_000);
});

test('at the hard limit the key stays closed until 24 h after the last failure', () => {
  const state = failTimes(100, T0);
  assert.equal(isHardLocked(failTimes(99, T0), T0, P), false);
  assert.equal(isHardLocked(state, T0, P), true);
  assert.equal(retryAfterMs(state, T0, P), DAY_MS);
  assert.equal(retryAfterMs(state, T0 + DAY_MS - 1, P), 1);
  assert.equal(retryAfterMs(state, T0 + DAY_MS, P), 0);
  assert.equal(isHardLocked(state, T0 + DAY_MS, P), false);
});

test('failures older than 24 h are forgotten: the next one counts as the first', () => {
  const state = failTimes(20, T0);
  assert.equal(retryAfterMs(state, T0 + DAY_MS - 1, P), 0); // past the 15-min delay, still remembered
  assert.deepEqual(recordFailure(state, T0 + DAY_MS - 1, P), { failures: 21, lastFailureAt: T0 + DAY_MS - 1 });
  assert.deepEqual(recordFailure(state, T0 + DAY_MS, P), { failures: 1, lastFailureAt: T0 + DAY_MS });
});

test('recordFailure counts up and stamps the time without mutating its input', () => {
  const first = recordFailure(null, T0, P);
  assert.deepEqual(first, { failures: 1, lastFailureAt: T0 });
  const second = recordFailure(first, T0 + 10, P);
  assert.deepEqual(second, { failures: 2, lastFailureAt: T0 + 10 });
  assert.deepEqual(first, { failures: 1, lastFailureAt: T0 });
});

test('a clock stepping backwards never makes the wait longer than the delay itself', () => {
  assert.equal(retryAfterMs(failTimes(5, T0), T0 - 3_600_000, P), 2000);
});

test('a custom policy is honoured', () => {
  const strict = { freeFailures: 0, baseDelayMs: 1000, maxDelayMs: 5000, hardLimit: 10, resetAfterMs: 60_000 };
  assert.equal(delayAfter(1, strict), 1000);
  assert.equal(delayAfter(4, strict), 5000);
  assert.equal(delayAfter(10, strict), 60_000);
});

test('keys have one spelling', () => {
  assert.equal(throttleKey('pwd', 'acct', 'u-1'), 'pwd:acct:u-1');
  assert.equal(throttleKey('otp', 'ip', '2001:db8::1'), 'otp:ip:2001:db8::1');
});
