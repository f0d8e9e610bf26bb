import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { closeDatabase, openDatabase } from './connection.ts';
import { sqlRunner } from './prepared.ts';
import { withTestDatabases } from './test-database.ts';

for (const backend of await withTestDatabases()) {
  describe(`sqlRunner on ${backend.name}`, () => {
    test('reads and writes with ? placeholders; run reports the rows changed', async () => {
      const { db, cleanup } = await backend.open();
      try {
        await db.schema.createTable('t', (t) => {
          t.text('k').primary();
          t.bigInteger('n');
        });
        const sql = sqlRunner(db);
        for (let i = 0; i < 5; i++) assert.equal(await sql.run('insert into t (k, n) values (?, ?)', [`k${i}`, i]), 1);
        // The same statement again and again: reused, not re-prepared, on SQLite.
        for (let i = 0; i < 5; i++) {
          const rows = await sql.all<{ n: number | string }>('select n from t where k = ?', [`k${i}`]);
          assert.deepEqual(rows.map((r) => Number(r.n)), [i]);
        }
        assert.equal(await sql.run('update t set n = ? where n >= ?', [0, 3]), 2);
        assert.equal(await sql.run('update t set n = ? where k = ?', [1, 'missing']), 0);
        assert.deepEqual(await sql.all('select k from t where k = ?', ['missing']), []);
      } finally {
        await cleanup();
      }
    });

    test('a runner made for a transaction works inside it: its writes commit or roll back with it', async () => {
      const { db, cleanup } = await backend.open();
      try {
        await db.schema.createTable('t', (t) => t.text('k'));
        await db.transaction(async (trx) => {
          assert.equal(await sqlRunner(trx).run('insert into t (k) values (?)', ['kept']), 1);
        });
        await assert.rejects(db.transaction(async (trx) => {
          const sql = sqlRunner(trx);
          await sql.run('insert into t (k) values (?)', ['dropped']);
          assert.equal((await sql.all('select k from t where k = ?', ['dropped'])).length, 1);
          throw new Error('roll back');
        }), /roll back/);
        assert.deepEqual(await sqlRunner(db).all('select k from t order by k', []), [{ k: 'kept' }]);
      } finally {
        await cleanup();
      }
    });

    test('bad SQL rejects with the database\'s message instead of hanging, and is not cached', async () => {
      const { db, cleanup } = await backend.open();
      try {
        const sql = sqlRunner(db);
        await assert.rejects(sql.all('select * from later where k = ?', ['x']), /later/);
        // Queries after the failure still run, and the table created meanwhile is found.
        await db.schema.createTable('later', (t) => t.text('k'));
        assert.equal(await sql.run('insert into later (k) values (?)', ['x']), 1);
        assert.deepEqual(await sql.all('select * from later where k = ?', ['x']), [{ k: 'x' }]);
      } finally {
        await cleanup();
      }
    });
  });
}

describe('sqlRunner on SQLite', () => {
  test('closing the database still closes the file: its cached statements are finalized first', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-prepared-'));
    try {
      const db = await openDatabase({ dataDir });
      await db.schema.createTable('t', (t) => t.text('k'));
      const sql = sqlRunner(db);
      await sql.run('insert into t (k) values (?)', ['a']);
      await sql.all('select k from t where k = ?', ['a']);
      await db.destroy();
      // A clean close merges the write-ahead log and deletes it; an unfinalized statement makes
      // sqlite3_close fail and leaves the -wal file behind.
      assert.deepEqual((await readdir(dataDir)).sort(), ['jullix-idp.sqlite']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('with read connections: reads see every acknowledged write, a transaction reads its own, and all close cleanly', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-readers-'));
    try {
      const db = await openDatabase({ dataDir, readers: 2 });
      await db.schema.createTable('t', (t) => {
        t.text('k').primary();
        t.integer('n');
      });
      const sql = sqlRunner(db);
      // Many writes and reads interleaved and in flight together: each read is issued after its write
      // was acknowledged, on whichever read connection is free, and must see it.
      await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        await sql.run('insert into t (k, n) values (?, ?)', [`k${i}`, i]);
        assert.deepEqual(await sql.all('select n from t where k = ?', [`k${i}`]), [{ n: i }]);
        await sql.run('update t set n = ? where k = ?', [i + 100, `k${i}`]);
        assert.deepEqual(await sql.all('select n from t where k = ?', [`k${i}`]), [{ n: i + 100 }]);
      }));
      await db.transaction(async (trx) => {
        await sqlRunner(trx).run('insert into t (k, n) values (?, ?)', ['uncommitted', 1]);
        assert.equal((await sqlRunner(trx).all('select k from t where k = ?', ['uncommitted'])).length, 1, 'the transaction reads on its own connection');
        assert.equal((await sql.all('select k from t where k = ?', ['uncommitted'])).length, 0, 'other readers see only commits');
        throw new Error('roll back');
      }).catch((err: unknown) => assert.match(String(err), /roll back/));
      // The read connections refuse writes: a write sent there by mistake fails, visibly.
      await assert.rejects(sql.all('insert into t (k, n) values (?, ?) returning k', ['misrouted', 1]), /SQLITE_READONLY|readonly/i);
      // Reads still under way when the database closes (work after the response) finish first.
      const late = Array.from({ length: 6 }, (_, i) => sql.all<{ n: number }>(`select n from t where k = ? and ${i} = ${i}`, ['k1']));
      await closeDatabase(db);
      assert.deepEqual(await Promise.all(late), Array.from({ length: 6 }, () => [{ n: 101 }]));
      assert.deepEqual((await readdir(dataDir)).sort(), ['jullix-idp.sqlite'], 'every connection closed, the log merged');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
