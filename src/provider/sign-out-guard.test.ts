import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { errors, type AdapterConstructor } from 'oidc-provider';
import { createAccountStore } from '../accounts/store.ts';
import { withTestDatabases } from '../db/test-database.ts';
import { manualClock } from '../security/clock.ts';
import { createAdapterClass } from './adapter.ts';
import { guardOf, SIGN_OUT_EPOCH, SignedOutDuringSignIn } from './sign-out-guard.ts';

const T0 = Date.UTC(2026, 11, 6, 12);

test('guardOf: only an interaction result whose login names an account and a count is guarded', () => {
  assert.deepEqual(guardOf({ result: { login: { accountId: 'a1', [SIGN_OUT_EPOCH]: 3 } } }), { accountId: 'a1', epoch: 3 });
  assert.equal(guardOf({ result: { login: { accountId: 'a1' } } }), undefined, 'a result from before the count: saved as before, the finish refused it already');
  assert.equal(guardOf({ result: { login: { accountId: 'a1', [SIGN_OUT_EPOCH]: '3' } } }), undefined);
  assert.equal(guardOf({ result: { error: 'access_denied' } }), undefined);
  assert.equal(guardOf({ uid: 'x' }), undefined);
});

for (const backend of await withTestDatabases()) {
  describe(`a sign-in's result saved under its account's sign-out count (${backend.name})`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let Adapter: AdapterConstructor;
    const clock = manualClock(T0);
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      Adapter = createAdapterClass(db, clock);
    });
    after(() => cleanup?.());

    async function started(username: string) {
      const user = await createAccountStore(db, clock).create({ username, email: `${username}@example.test`, name: username, role: 'customer', passwordHash: '$argon2id$x' });
      const interactions = new Adapter('Interaction');
      const id = `int-${username}`;
      await interactions.upsert(id, { uid: id, params: { client_id: 'portal' } }, 600);
      const result = (epoch: number) => ({ uid: id, params: { client_id: 'portal' }, result: { login: { accountId: user.id, [SIGN_OUT_EPOCH]: epoch } } });
      return { user, interactions, id, result };
    }

    test('saved while the count is the one the sign-in began under', async () => {
      const { interactions, id, result } = await started('ana');
      await interactions.upsert(id, result(0), 600);
      assert.deepEqual((await interactions.find(id))?.result, result(0).result);
    });

    test('not saved once a sign-out moved the count on, nor for a disabled or removed account; an ended interaction stays ended', async () => {
      const { user, interactions, id, result } = await started('ben');
      await db('users').where('id', user.id).increment('sign_out_epoch', 1);
      await assert.rejects(interactions.upsert(id, result(0), 600), SignedOutDuringSignIn);
      assert.equal((await interactions.find(id))?.result, undefined, 'nothing of the result was written');
      await interactions.upsert(id, result(1), 600);
      assert.ok((await interactions.find(id))?.result, 'under the new count it saves');

      const disabled = await started('cas');
      await db('users').where('id', disabled.user.id).update({ disabled: true });
      await assert.rejects(disabled.interactions.upsert(disabled.id, disabled.result(0), 600), SignedOutDuringSignIn);

      const removed = await started('dirk');
      await db('users').where('id', removed.user.id).delete();
      await assert.rejects(removed.interactions.upsert(removed.id, removed.result(0), 600), SignedOutDuringSignIn);

      const ended = await started('eva');
      await ended.interactions.destroy(ended.id);
      // An interaction that ended first (a resume of a double submit) is no sign-out: as ever, it is not found.
      await assert.rejects(ended.interactions.upsert(ended.id, ended.result(0), 600), (err) => err instanceof errors.SessionNotFound && !(err instanceof SignedOutDuringSignIn));
    });
  });
}
