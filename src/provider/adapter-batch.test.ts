import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SqlRunner, SqlValue } from '../db/prepared.ts';
import { accountIdOf, findBatcher, upsertBatcher, type ModelRow } from './adapter-batch.ts';

/** Records every statement; `fail` decides which ones throw. */
function fakeSql(fail: (sql: string, params: readonly SqlValue[]) => boolean = () => false) {
  const statements: Array<{ sql: string; params: readonly SqlValue[] }> = [];
  const runner: SqlRunner = {
    async all<T>(sql: string, params: readonly SqlValue[]) {
      statements.push({ sql, params });
      // Answers rows for the ids asked for, except those named 'missing*'.
      const ids = params.slice(1).filter((id): id is string => typeof id === 'string' && !id.startsWith('missing'));
      return ids.map((id) => ({ id, payload: JSON.stringify({ id }), expires_at: null, consumed_at: null })) as T[];
    },
    async run(sql, params) {
      statements.push({ sql, params });
      if (fail(sql, params)) throw new Error('constraint failed');
      return params.length / 8;
    },
  };
  return { runner, statements };
}

const row = (id: string, payload = `{"v":"${id}"}`): ModelRow => ({ model: 'AccessToken', id, payload, grantId: null, uid: null, userCode: null, accountId: '', expiresAt: 1 });

describe('batched adapter statements', () => {
  test('saves made together are one multi-row upsert', async () => {
    const { runner, statements } = fakeSql();
    const saves = upsertBatcher(runner);
    await Promise.all(['a', 'b', 'c'].map((id) => saves.push(row(id))));
    assert.equal(statements.length, 1);
    assert.match(statements[0]?.sql ?? '', /values \(\?, \?, \?, \?, \?, \?, \?, \?\), \(.*\), \(.*\) on conflict/s);
    assert.deepEqual(statements[0]?.params.filter((_, i) => i % 8 === 1), ['a', 'b', 'c']);
  });

  test('two saves of one row in a batch keep the later payload, as running them in order would', async () => {
    const { runner, statements } = fakeSql();
    const saves = upsertBatcher(runner);
    await Promise.all([saves.push(row('a', '{"n":1}')), saves.push(row('b')), saves.push(row('a', '{"n":2}'))]);
    assert.equal(statements.length, 1);
    const params = statements[0]?.params ?? [];
    assert.equal(params.length, 16, 'one row per id');
    assert.ok(params.includes('{"n":2}') && !params.includes('{"n":1}'));
  });

  test('when the batch fails, each row is tried alone: only the bad row\'s caller sees the error', async () => {
    const { runner, statements } = fakeSql((_sql, params) => params.includes('bad'));
    const saves = upsertBatcher(runner);
    const results = await Promise.allSettled([saves.push(row('a')), saves.push(row('bad')), saves.push(row('c'))]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal(statements.length, 4, 'the batch, then the three rows alone');
  });

  test('a row names its account: the payload\'s, an interaction\'s sign-in before its session; \'\' for none, null for none yet', () => {
    assert.equal(accountIdOf('Grant', { accountId: 'acc-1', grantId: 'g' }), 'acc-1');
    assert.equal(accountIdOf('Interaction', { session: { accountId: 'signed-in', uid: 'u' }, result: { login: { accountId: 'signing-in' } } }), 'signing-in');
    assert.equal(accountIdOf('Interaction', { session: { accountId: 'signed-in', uid: 'u' } }), 'signed-in');
    assert.equal(accountIdOf('ClientCredentials', { clientId: 'service', kind: 'ClientCredentials' }), '');
    assert.equal(accountIdOf('Interaction', { params: { client_id: 'app' } }), null, 'its sign-in is still to come');
    assert.equal(accountIdOf('DeviceCode', { clientId: 'tv' }), null, 'approved later');
  });

  test('lookups made together are one select per model; each caller gets its row or nothing', async () => {
    const { runner, statements } = fakeSql();
    const find = findBatcher(runner);
    const [a, b, again, missing, client] = await Promise.all([
      find({ model: 'AccessToken', id: 'a' }),
      find({ model: 'AccessToken', id: 'b' }),
      find({ model: 'AccessToken', id: 'a' }),
      find({ model: 'AccessToken', id: 'missing-1' }),
      find({ model: 'Client', id: 'a' }),
    ]);
    assert.equal(statements.length, 2);
    assert.deepEqual(statements.map((s) => s.params), [['AccessToken', 'a', 'b', 'missing-1'], ['Client', 'a']]);
    assert.equal(a?.id, 'a');
    assert.equal(b?.id, 'b');
    assert.equal(again?.id, 'a');
    assert.equal(missing, undefined);
    assert.equal(client?.id, 'a');
  });
});
