import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { withTestDatabases } from '../db/test-database.ts';
import { isIdpError } from '../errors.ts';
import { manualClock } from '../security/clock.ts';
import { sessionAccountCount } from '../provider/account-sign-out.ts';
import { createAccountStore, signOutCountNow, type AccountStore } from './store.ts';
import type { NewUser } from './types.ts';

const T0 = Date.UTC(2026, 10, 25, 12);

const newUser = (username: string, overrides: Partial<NewUser> = {}): NewUser => ({
  username,
  email: `${username.toLowerCase()}@example.com`,
  name: `${username} Example`,
  role: 'customer',
  passwordHash: '$argon2id$fake',
  ...overrides,
});

for (const backend of await withTestDatabases()) {
  describe(`account store on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let store: AccountStore;
    let raceWinner = '';
    const clock = manualClock(T0);
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      store = createAccountStore(db, clock);
    });
    after(() => cleanup?.());

    test('create returns the user and findById reads it back with its types intact', async () => {
      const alice = await store.create(newUser('Alice', { role: 'admin' }));
      assert.equal(alice.username, 'Alice');
      assert.equal(alice.disabled, false);
      assert.equal(alice.createdAt.getTime(), T0);
      assert.deepEqual(await store.findById(alice.id), alice);
      assert.equal(await store.findById('no-such-id'), undefined);
    });

    test('usernames and emails are unique case-insensitively, and apart from each other', async () => {
      const conflict = (field: RegExp) => (err: unknown) => isIdpError(err, 'conflict') && field.test(err.message);
      await assert.rejects(store.create(newUser('ALICE', { email: 'other@example.com' })), conflict(/username "ALICE"/));
      await assert.rejects(store.create(newUser('alice2', { email: 'Alice@Example.COM' })), conflict(/email address/));
      // A username equal to someone's email would make findByLogin ambiguous.
      await assert.rejects(store.create(newUser('alice@example.com', { email: 'x@example.com' })), conflict(/username/));
    });

    test('of two concurrent creates of one username, exactly one wins and the other is a conflict', async () => {
      // Both pre-checks run before either insert, so the loser meets the unique index itself.
      const results = await Promise.allSettled([
        store.create(newUser('Raw', { email: 'raw1@example.com' })),
        store.create(newUser('RAW', { email: 'raw2@example.com' })),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const lost = results.find((r) => r.status === 'rejected');
      assert.ok(lost && isIdpError(lost.reason, 'conflict'), String(lost?.reason));
      assert.match(lost.reason.message, /username "R(aw|AW)"/);
      // Which of the two wins is up to the scheduler; later tests read the winner from here.
      raceWinner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ username: string }>).value.username;
    });

    test('findByUsername and findByLogin are case-insensitive; login accepts the email', async () => {
      const bob = await store.create(newUser('Bob', { email: 'Bob.Builder@Example.com', role: 'installer' }));
      assert.equal((await store.findByUsername('bOB'))?.id, bob.id);
      assert.equal((await store.findByLogin('BOB'))?.id, bob.id);
      assert.equal((await store.findByLogin('bob.builder@example.COM'))?.id, bob.id);
      assert.equal(await store.findByUsername('bob.builder@example.com'), undefined);
      assert.equal(await store.findByLogin('nobody'), undefined);
    });

    test('list orders by username and filters by role', async () => {
      await store.create(newUser('carol', { role: 'installer' }));
      assert.deepEqual((await store.list()).map((u) => u.username), ['Alice', 'Bob', 'carol', raceWinner]);
      assert.deepEqual((await store.list({ role: 'installer' })).map((u) => u.username), ['Bob', 'carol']);
      assert.deepEqual((await store.list({ role: 'admin' })).map((u) => u.username), ['Alice']);
    });

    test('setDisabled, setRole and setPasswordHash update the row and updatedAt', async () => {
      const carol = await store.findByUsername('carol');
      assert.ok(carol);
      clock.advance(5000);
      await store.setDisabled(carol.id, true);
      await store.setRole(carol.id, 'admin');
      await store.setPasswordHash(carol.id, '$argon2id$new');
      const after = await store.findById(carol.id);
      assert.equal(after?.disabled, true);
      assert.equal(after?.role, 'admin');
      assert.equal(after?.passwordHash, '$argon2id$new');
      assert.equal(after?.signOutEpoch, (carol.signOutEpoch) + 1, 'a new password ends sign-ins under way with the old one');
      assert.equal(after?.updatedAt.getTime(), T0 + 5000);
      assert.equal(after?.createdAt.getTime(), T0);
      await store.setDisabled(carol.id, false);
      assert.equal((await store.findById(carol.id))?.disabled, false);
      await assert.rejects(store.setDisabled('no-such-id', true), (err) => isIdpError(err, 'not_found'));
    });

    test('findById calls made together (one statement) each get their own user, or nothing', async () => {
      const [dora, emil] = [await store.create(newUser('Dora')), await store.create(newUser('Emil'))];
      const found = await Promise.all([store.findById(dora.id), store.findById(emil.id), store.findById('nobody'), store.findById(dora.id)]);
      assert.deepEqual(found, [dora, emil, undefined, dora]);
      assert.notEqual(found[0], found[3], 'separate objects: one caller changing its copy changes no other');
    });

    test('a row with an unreadable column is reported naming the row and the column, not as an unexpected error', async () => {
      const broken = await store.create(newUser('Broken'));
      // A value no millisecond timestamp can be (beyond 2^53), as a hand edit or a bad restore leaves.
      await db('users').where('id', broken.id).update({ created_at: 2 ** 60 });
      await assert.rejects(store.list(), (err: unknown) => isIdpError(err, 'internal') && err.message.includes(`the users row ${broken.id} has an unreadable created_at`));
      await db('users').where('id', broken.id).update({ created_at: T0 });
      assert.ok((await store.list()).some((u) => u.id === broken.id), 'mended, it reads again');
    });

    // Only SQLite can hold text in an integer column; PostgreSQL refuses it at the edit.
    test('a sign-out count that is no count (a hand edit: text, empty) is reported naming the row and the column, by every reader', { skip: backend.name !== 'sqlite' }, async () => {
      const broken = await store.create(newUser('Counted'));
      const sessionId = `session-${broken.id}`;
      await db('oidc_models').insert({ model: 'Session', id: sessionId, payload: JSON.stringify({ accountId: broken.id, uid: 'u' }), account_id: broken.id, expires_at: T0 + 60_000 });
      const named = (err: unknown) => isIdpError(err, 'internal') && err.message.includes(`the users row ${broken.id} has an unreadable sign_out_epoch`);
      for (const value of ['abc', '', ' ', '0x1']) {
        await db('users').where('id', broken.id).update({ sign_out_epoch: value });
        await assert.rejects(store.findById(broken.id), named, `findById, ${JSON.stringify(value)}`);
        await assert.rejects(signOutCountNow(db, broken.id), named, `signOutCountNow, ${JSON.stringify(value)}`);
        await assert.rejects(sessionAccountCount(db, sessionId), named, `sessionAccountCount (the logout confirm), ${JSON.stringify(value)}`);
      }
      await db('users').where('id', broken.id).update({ sign_out_epoch: 3 });
      assert.equal((await store.findById(broken.id))?.signOutEpoch, 3, 'mended, it reads again');
      assert.equal(await signOutCountNow(db, broken.id), 3);
    });
  });
}
