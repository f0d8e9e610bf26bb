import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keysResetOnSuccess, keysToReset, secondFactorBuckets } from './throttle-buckets.ts';

const buckets = secondFactorBuckets('u1', '203.0.113.9');

test('a success resets the account counter, never the address counter', () => {
  assert.deepEqual(keysResetOnSuccess(buckets), ['otp:acct:u1']);
});

test('keysToReset: only account counters that the check found on record', () => {
  assert.deepEqual(keysToReset(buckets, new Set(['otp:acct:u1', 'otp:ip:203.0.113.9'])), ['otp:acct:u1']);
  assert.deepEqual(keysToReset(buckets, new Set(['otp:ip:203.0.113.9'])), [], 'no account row: nothing to delete');
  assert.deepEqual(keysToReset(buckets, new Set()), []);
});
