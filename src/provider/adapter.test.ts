import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import type { AdapterConstructor } from 'oidc-provider';
import { withTestDatabases } from '../db/test-database.ts';
import { manualClock } from '../security/clock.ts';
import { createAdapterClass, deleteExpiredRows, THROTTLE_RETENTION_MS } from './adapter.ts';

const T0 = Date.UTC(2026, 10, 25, 12);

for (const backend of await withTestDatabases()) {
  describe(`knex adapter on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let Adapter: AdapterConstructor;
    const clock = manualClock(T0);
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      Adapter = createAdapterClass(db, clock);
    });
    after(() => cleanup?.());

    test('upsert then find returns the payload; a second upsert replaces it', async () => {
      const grants = new Adapter('Grant');
      await grants.upsert('g1', { accountId: 'alice', clientId: 'app' }, 60);
      assert.deepEqual(await grants.find('g1'), { accountId: 'alice', clientId: 'app' });
      await grants.upsert('g1', { accountId: 'alice', clientId: 'app2' }, 60);
      assert.deepEqual(await grants.find('g1'), { accountId: 'alice', clientId: 'app2' });
      assert.equal(await grants.find('missing'), undefined);
      // The same id under another model is another row.
      assert.equal(await new Adapter('Session').find('g1'), undefined);
    });

    test('a row is gone once expiresIn seconds have passed; undefined expiresIn never expires', async () => {
      const tokens = new Adapter('AccessToken');
      await tokens.upsert('short', { jti: 'short' }, 10);
      const clients = new Adapter('Client');
      await clients.upsert('dcr-client', { client_id: 'dcr-client' }, undefined);
      clock.advance(9_999);
      assert.ok(await tokens.find('short'));
      clock.advance(1);
      assert.equal(await tokens.find('short'), undefined);
      clock.advance(365 * 24 * 3600 * 1000);
      assert.deepEqual(await clients.find('dcr-client'), { client_id: 'dcr-client' });
    });

    test('consume marks later finds with a truthy seconds timestamp, and re-saving keeps it', async () => {
      const codes = new Adapter('AuthorizationCode');
      await codes.upsert('c1', { grantId: 'g' }, 60);
      assert.equal((await codes.find('c1'))?.consumed, undefined);
      await codes.consume('c1');
      assert.equal((await codes.find('c1'))?.consumed, Math.floor(clock.now() / 1000));
      await codes.upsert('c1', { grantId: 'g' }, 60);
      assert.ok((await codes.find('c1'))?.consumed);
    });

    test('consume succeeds once: a second (or racing) consume is refused as invalid_grant', async () => {
      const codes = new Adapter('AuthorizationCode');
      await codes.upsert('c2', { grantId: 'g' }, 60);
      const results = await Promise.allSettled([codes.consume('c2'), codes.consume('c2'), codes.consume('c2')]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { error?: string }).error, 'invalid_grant');
      await assert.rejects(new Adapter('PushedAuthorizationRequest').consume('gone'), { error: 'invalid_request_uri' });
    });

    test('destroy removes one row', async () => {
      const sessions = new Adapter('Session');
      await sessions.upsert('s1', { uid: 'u1' }, 60);
      await sessions.upsert('s2', { uid: 'u2' }, 60);
      await sessions.destroy('s1');
      assert.equal(await sessions.find('s1'), undefined);
      assert.ok(await sessions.find('s2'));
    });

    test('an ended session or interaction stays ended: a late save of the same id (a request still in flight) does not revive it', async () => {
      const sessions = new Adapter('Session');
      await sessions.upsert('s-late', { uid: 'u-late', accountId: 'eve' }, 60);
      await sessions.destroy('s-late');
      await sessions.upsert('s-late', { uid: 'u-late', accountId: 'eve', exp: 1 }, 3600);
      assert.equal(await sessions.find('s-late'), undefined);
      assert.equal(await sessions.findByUid('u-late'), undefined);
      // An interaction the provider resumed (destroyed) is not stored again by a step that
      // finishes it late, with its result (finishInteraction saves the one it loaded).
      const interactions = new Adapter('Interaction');
      await interactions.upsert('i-late', { uid: 'i-late', returnTo: '/auth/i-late' }, 600);
      await interactions.destroy('i-late');
      await interactions.upsert('i-late', { uid: 'i-late', returnTo: '/auth/i-late', result: { login: { accountId: 'eve' } } }, 600);
      assert.equal(await interactions.find('i-late'), undefined);
      // Other models keep plain upsert semantics after a destroy.
      const grants = new Adapter('Grant');
      await grants.upsert('g-late', { accountId: 'eve' }, 60);
      await grants.destroy('g-late');
      await grants.upsert('g-late', { accountId: 'eve' }, 60);
      assert.ok(await grants.find('g-late'));
    });

    test('findByUid and findByUserCode look up by the copied columns, honouring expiry', async () => {
      const sessions = new Adapter('Session');
      await sessions.upsert('s3', { uid: 'uid-3', accountId: 'bob' }, 60);
      assert.deepEqual(await sessions.findByUid('uid-3'), { uid: 'uid-3', accountId: 'bob' });
      assert.equal(await sessions.findByUid('uid-x'), undefined);
      const devices = new Adapter('DeviceCode');
      await devices.upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
      assert.deepEqual(await devices.findByUserCode('ABCD-EFGH'), { userCode: 'ABCD-EFGH' });
      clock.advance(60_000);
      assert.equal(await sessions.findByUid('uid-3'), undefined);
    });

    test('revokeByGrantId deletes only that model\'s rows of that grant', async () => {
      const access = new Adapter('AccessToken');
      const refresh = new Adapter('RefreshToken');
      await access.upsert('a1', { grantId: 'gX' }, 60);
      await access.upsert('a2', { grantId: 'gX' }, 60);
      await access.upsert('a3', { grantId: 'gY' }, 60);
      await refresh.upsert('r1', { grantId: 'gX' }, 60);
      await access.revokeByGrantId('gX');
      assert.equal(await access.find('a1'), undefined);
      assert.equal(await access.find('a2'), undefined);
      assert.ok(await access.find('a3'));
      assert.ok(await refresh.find('r1'));
    });

    test('saves and lookups made in the same moment (one batch) answer as if made one by one', async () => {
      const tokens = new Adapter('AccessToken');
      const grants = new Adapter('Grant');
      const sessions = new Adapter('Session');
      await sessions.upsert('s-batch', { uid: 'u-batch', accountId: 'eve' }, 60);
      await sessions.destroy('s-batch');
      const ids = Array.from({ length: 40 }, (_, i) => `batch-${i}`);
      await Promise.all([
        ...ids.map((id, i) => (i % 2 === 0 ? tokens : grants).upsert(id, { jti: id }, i === 0 ? 1 : 60)),
        // The same row twice in one batch: the later save wins, as in order.
        tokens.upsert('twice', { n: 1 }, 60), tokens.upsert('twice', { n: 2 }, 60),
        // A late save of an ended session in the same batch still does not revive it.
        sessions.upsert('s-batch', { uid: 'u-batch', accountId: 'eve' }, 3600),
      ]);
      clock.advance(1000);
      const found = await Promise.all(ids.map((id, i) => (i % 2 === 0 ? tokens : grants).find(id)));
      assert.equal(found[0], undefined, 'expired rows are gone in a batch too');
      assert.deepEqual(found.slice(1), ids.slice(1).map((jti) => ({ jti })));
      const [twice, wrongModel, missing, ended] = await Promise.all([tokens.find('twice'), grants.find('batch-0'), tokens.find('nope'), sessions.find('s-batch')]);
      assert.deepEqual(twice, { n: 2 });
      assert.equal(wrongModel, undefined);
      assert.equal(missing, undefined);
      assert.equal(ended, undefined);
      // Each caller gets its own object: changing one answer does not change another's.
      const [x, y] = await Promise.all([tokens.find('twice'), tokens.find('twice')]);
      assert.ok(x && y && x !== y);
    });

    test('a lookup the database refuses (a NUL character: PostgreSQL text cannot hold one) fails only its own caller', async () => {
      const tokens = new Adapter('AccessToken');
      await tokens.upsert('fine-1', { jti: 'fine-1' }, 60);
      await tokens.upsert('fine-2', { jti: 'fine-2' }, 60);
      const [one, bad, two] = await Promise.allSettled([tokens.find('fine-1'), tokens.find('evil\u0000id'), tokens.find('fine-2')]);
      assert.deepEqual(one, { status: 'fulfilled', value: { jti: 'fine-1' } });
      assert.deepEqual(two, { status: 'fulfilled', value: { jti: 'fine-2' } });
      // SQLite simply finds nothing; PostgreSQL refuses the statement.
      assert.ok(bad?.status === 'rejected' || bad?.value === undefined);
    });

    test('deleteExpiredRows sweeps expired models, finished interactions and stale throttle rows', async () => {
      await db('oidc_models').delete();
      const now = clock.now();
      const tokens = new Adapter('AccessToken');
      await tokens.upsert('old', {}, 1);
      await tokens.upsert('fresh', {}, 3600);
      await new Adapter('Client').upsert('forever', {}, undefined);
      await db('interaction_state').insert([
        { uid: 'done', expires_at: now + 1000 },
        { uid: 'live', expires_at: now + 3_600_000 },
      ]);
      await db('throttle').insert([
        { key: 'stale', failures: 3, last_failure_at: now - THROTTLE_RETENTION_MS },
        { key: 'recent', failures: 3, last_failure_at: now },
      ]);
      clock.advance(1000);
      assert.equal(await deleteExpiredRows(db, clock.now()), 3);
      assert.deepEqual((await db('oidc_models').orderBy('id').pluck('id')), ['forever', 'fresh']);
      assert.deepEqual(await db('interaction_state').pluck('uid'), ['live']);
      assert.deepEqual(await db('throttle').pluck('key'), ['recent']);
    });
  });
}
