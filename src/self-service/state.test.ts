// The account page's state lives as long as its session, also a session kept alive past the expiry
// it had when the state was first written.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createAccountStore } from '../accounts/store.ts';
import { withTestDatabases } from '../db/test-database.ts';
import { manualClock } from '../security/clock.ts';
import { generateTotpSecret } from '../factors/totp.ts';
import { createAccountPageStateStore, type AccountPageStateStore } from './state.ts';

const T0 = Date.UTC(2026, 11, 4, 9);
const MINUTE = 60_000;

for (const backend of await withTestDatabases()) {
  describe(`account page state on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let states: AccountPageStateStore;
    let accountId = '';
    const clock = manualClock(T0);
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      states = createAccountPageStateStore(db, clock, [randomBytes(32)]);
      accountId = (await createAccountStore(db, clock).create({ username: 'elke', email: 'elke@example.test', name: 'Elke', role: 'customer', passwordHash: 'x' })).id;
    });
    after(() => cleanup?.());

    test('a confirmation and a pending secret written after the session was extended are kept', async () => {
      // First confirmed while the session ran until T0 + 60 min (its idle timeout).
      await states.confirm('s1', accountId, T0 + 60 * MINUTE);
      // Used since, the session now runs until T0 + 125 min; at T0 + 65 min the person confirms again.
      clock.set(T0 + 65 * MINUTE);
      await states.confirm('s1', accountId, T0 + 125 * MINUTE);
      assert.equal((await states.get('s1', accountId)).confirmedAt, T0 + 65 * MINUTE);
      const secret = generateTotpSecret();
      await states.setPendingTotp('s1', accountId, secret, T0 + 125 * MINUTE);
      assert.equal((await states.get('s1', accountId)).pendingTotpSecret, secret);
    });
  });
}
