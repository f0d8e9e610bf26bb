import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAccountStore, type AccountStore } from '../accounts/store.ts';
import { closeDatabase, openDatabase } from '../db/connection.ts';
import { migrateLatest } from '../db/migrations.ts';
import { withTestDatabases, type TestDatabase } from '../db/test-database.ts';
import { manualClock } from '../security/clock.ts';
import { createSignInStateStore, PENDING_TOTP_TTL_MS, SIGNED_OUT_STATE, type SignInStateStore } from './state.ts';

const T0 = Date.UTC(2026, 11, 2, 9);
const HOUR = 3600_000;

// As the IdP opens SQLite: reads go to the read-only connections (src/db/prepared.ts).
const sqliteWithReaders: { name: string; open: TestDatabase['open'] } = {
  name: 'sqlite with read connections',
  async open() {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-state-'));
    const db = await openDatabase({ dataDir, readers: 2 });
    await migrateLatest(db);
    return { db, cleanup: async () => { await closeDatabase(db); await rm(dataDir, { recursive: true, force: true }); } };
  },
};

for (const backend of [...await withTestDatabases(), sqliteWithReaders]) {
  describe(`sign-in state on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let accounts: AccountStore;
    let states: SignInStateStore;
    const clock = manualClock(T0);
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      accounts = createAccountStore(db, clock);
      states = createSignInStateStore(db, clock, [randomBytes(32)]);
    });
    after(() => cleanup?.());

    test('with its account: nothing before the password step, then the state and the same user as the account store', async () => {
      const dana = await accounts.create({ username: 'Dana', email: 'dana@example.com', name: 'Dana D', role: 'installer', passwordHash: '$argon2id$x' });
      assert.deepEqual(await states.getWithAccount('uid-1'), { state: undefined, user: undefined });
      await states.passwordDone('uid-1', dana, clock.now() + HOUR, 'fp');
      const { state, user } = await states.getWithAccount('uid-1');
      assert.deepEqual(state, { uid: 'uid-1', accountId: dana.id, passwordAt: T0, passwordFingerprint: 'fp', signOutEpoch: 0, factors: ['pwd'], pendingTotpSecret: null });
      assert.deepEqual(user, await accounts.findById(dana.id));
      assert.ok(state);
      await states.addFactor(state, 'otp');
      assert.deepEqual((await states.getWithAccount('uid-1')).state?.factors, ['pwd', 'otp']);
    });

    test('a factor counts only for the password step it was checked against: never for another account that signed in meanwhile', async () => {
      const mallory = await accounts.create({ username: 'Mallory', email: 'mallory@example.com', name: 'M', role: 'customer', passwordHash: '$argon2id$x' });
      const victim = await accounts.create({ username: 'Vera', email: 'vera@example.com', name: 'V', role: 'installer', passwordHash: '$argon2id$x' });
      // The attacker's own password step; their recovery code is checked against this state...
      await states.passwordDone('uid-race', mallory, clock.now() + HOUR, 'fp');
      const checked = await states.get('uid-race');
      assert.ok(checked);
      // ...while a password step with the victim's password lands in the same interaction.
      await states.passwordDone('uid-race', victim, clock.now() + HOUR, 'fp');
      await assert.rejects(states.addFactor(checked, 'recovery'), (err: unknown) => (err as { code?: string }).code === 'wrong_step');
      const now = await states.get('uid-race');
      assert.deepEqual([now?.accountId, now?.factors], [victim.id, ['pwd']], 'the victim still has only the password');
      // The same account's password step anew (a new password_at) also voids a factor checked before it.
      clock.advance(1);
      const vera = await states.get('uid-race');
      assert.ok(vera);
      await states.passwordDone('uid-race', victim, clock.now() + HOUR, 'fp');
      await assert.rejects(states.addFactor(vera, 'otp'));
      // A pending enrolment secret is dropped only for its own account.
      await states.setPendingTotp('uid-race', victim.id, 'JBSWY3DPEHPK3PXP');
      await states.clearPendingTotp('uid-race', mallory.id);
      assert.equal((await states.get('uid-race'))?.pendingTotpSecret, 'JBSWY3DPEHPK3PXP');
    });

    test('progressNow: kept with the account while as read; signed out once a sign-out marked it; gone once deleted or replaced', async () => {
      const kim = await accounts.create({ username: 'Kim', email: 'kim@example.com', name: 'Kim K', role: 'installer', passwordHash: '$argon2id$k' });
      await states.passwordDone('uid-kept', kim, clock.now() + HOUR, 'fp');
      const checked = await states.get('uid-kept');
      assert.ok(checked);
      assert.deepEqual(await states.progressNow(checked), { kind: 'kept', user: await accounts.findById(kim.id) });
      clock.advance(1);
      await states.passwordDone('uid-kept', kim, clock.now() + HOUR, 'fp');
      assert.deepEqual(await states.progressNow(checked), { kind: 'gone' }, 'a password step anew is other progress');
      const anew = await states.get('uid-kept');
      assert.ok(anew);
      // What every sign-out of the account does (src/provider/account-sign-out.ts): readers see no state.
      await db('interaction_state').where('account_id', kim.id).update(SIGNED_OUT_STATE);
      assert.deepEqual(await states.progressNow(anew), { kind: 'signed_out' });
      assert.equal(await states.get('uid-kept'), undefined);
      assert.deepEqual(await states.getWithAccount('uid-kept'), { state: undefined, user: undefined });
      // What a finished sign-in does after its answer (or the expiry sweep): not a sign-out.
      await states.remove('uid-kept');
      assert.deepEqual(await states.progressNow(anew), { kind: 'gone' });
    });

    if (backend.name === 'postgres') {
      test('progressNow waits for a sign-out that has marked the progress but not committed, and then finds it signed out', async () => {
        const lou = await accounts.create({ username: 'Lou', email: 'lou@example.com', name: 'Lou L', role: 'installer', passwordHash: '$argon2id$l' });
        await states.passwordDone('uid-wait', lou, clock.now() + HOUR, 'fp');
        const checked = await states.get('uid-wait');
        assert.ok(checked);
        const signOut = await db.transaction();
        try {
          await signOut('interaction_state').where('account_id', lou.id).update(SIGNED_OUT_STATE);
          let settled = false;
          const reading = states.progressNow(checked).finally(() => { settled = true; });
          // A plain read answers at once from before the mark: the sign-in would finish. The
          // locking read waits on the marked row; pg_stat_activity shows it waiting.
          const waitingOnLock = async () => ((await db.raw("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")) as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0;
          for (let i = 0; i < 500 && !settled && (await waitingOnLock()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
          if (settled) assert.fail(`answered before the sign-out committed: ${JSON.stringify(await reading)}`);
          await signOut.commit();
          assert.deepEqual(await reading, { kind: 'signed_out' });
        } finally {
          if (!signOut.isCompleted()) await signOut.rollback();
        }
      });
    }

    test('a pending enrolment secret reads back decrypted, only while fresh; an expired state is no state', async () => {
      const emil = await accounts.create({ username: 'Emil', email: 'emil@example.com', name: 'Emil E', role: 'customer', passwordHash: '$argon2id$x' });
      await states.passwordDone('uid-2', emil, clock.now() + HOUR, 'fp');
      await states.setPendingTotp('uid-2', emil.id, 'JBSWY3DPEHPK3PXP');
      assert.equal((await states.getWithAccount('uid-2')).state?.pendingTotpSecret, 'JBSWY3DPEHPK3PXP');
      clock.advance(PENDING_TOTP_TTL_MS);
      assert.equal((await states.get('uid-2'))?.pendingTotpSecret, null);
      clock.advance(HOUR);
      assert.deepEqual(await states.getWithAccount('uid-2'), { state: undefined, user: undefined });
      await states.remove('uid-2');
      assert.equal(await states.get('uid-2'), undefined);
    });

    test('an account that is gone leaves the state without a user, never a half-read one', async () => {
      const finn = await accounts.create({ username: 'Finn', email: 'finn@example.com', name: 'Finn F', role: 'customer', passwordHash: '$argon2id$x' });
      await states.passwordDone('uid-3', finn, clock.now() + HOUR, 'fp');
      await db('users').where({ id: finn.id }).delete();
      const { state, user } = await states.getWithAccount('uid-3');
      assert.equal(state?.accountId, finn.id);
      assert.equal(user, undefined);
    });
  });
}
