import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withTestDatabases } from '../db/test-database.ts';
import { manualClock } from './clock.ts';
import { createThrottle } from './throttle.ts';
import { DEFAULT_THROTTLE_POLICY as policy } from './throttle-policy.ts';

for (const backend of await withTestDatabases()) {
  describe(`throttle store (${backend.name})`, async () => {
    const { db, cleanup } = await backend.open({ migrate: true });
    after(cleanup);
    const clock = manualClock(1_800_000_000_000);
    const throttle = createThrottle(db, clock);
    const bucket = { key: 'pwd:acct:u1', policy };

    test('four failures are free, the fifth starts a 2 s delay that doubles', async () => {
      for (let i = 0; i < 4; i++) await throttle.fail([bucket]);
      assert.equal(await throttle.retryAfter([bucket]), 0);
      await throttle.fail([bucket]);
      assert.equal(await throttle.retryAfter([bucket]), 2000);
      clock.advance(2000);
      assert.equal(await throttle.retryAfter([bucket]), 0);
      await throttle.fail([bucket]);
      assert.equal(await throttle.retryAfter([bucket]), 4000);
    });

    test('parallel failures are all counted (atomic upsert)', async () => {
      const b = { key: 'pwd:ip:10.0.0.1', policy };
      await Promise.all(Array.from({ length: 20 }, () => throttle.fail([b])));
      const row = await db('throttle').where('key', b.key).first() as { failures: number | string };
      assert.equal(Number(row.failures), 20);
    });

    test('the hard limit is reported and a success resets the account', async () => {
      const b = { key: 'otp:acct:u2', policy };
      let locked: string[] = [];
      for (let i = 0; i < policy.hardLimit; i++) locked = await throttle.fail([b]);
      assert.deepEqual(locked, [b.key]);
      assert.equal(await throttle.retryAfter([b]), policy.resetAfterMs);
      await throttle.reset([b.key]);
      assert.equal(await throttle.retryAfter([b]), 0);
    });

    test('a counter quiet for the reset window starts again at one', async () => {
      const b = { key: 'pwd:acct:u3', policy };
      for (let i = 0; i < 6; i++) await throttle.fail([b]);
      clock.advance(policy.resetAfterMs + 1);
      await throttle.fail([b]);
      const row = await db('throttle').where('key', b.key).first() as { failures: number | string };
      assert.equal(Number(row.failures), 1);
    });
  });
}
