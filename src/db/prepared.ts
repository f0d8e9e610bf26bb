// Hot-path SQL with `?` placeholders, run the cheapest way each database allows. On SQLite a knex
// query is three thread-pool round trips in sqlite3 (prepare, step, finalize) plus knex's query
// building; a statement prepared once per connection is one round trip (docs/performance.md).
// It runs on knex's own pooled connection, so it queues behind knex's queries and transactions
// exactly as a knex query would: same serialisation, same durability, same SQL.
// The IdP's own database also has read-only connections (openSqliteReaders): reads outside a
// transaction go there, in parallel on other pool threads, and no longer queue behind writes.
import type { Knex } from 'knex';
import { setTimeout as sleep } from 'node:timers/promises';
import sqlite3 from 'sqlite3';

export type SqlValue = string | number | null;

export interface SqlRunner {
  /** Every row; the statement runs to completion, so no read transaction is left open. */
  all<T>(sql: string, params: readonly SqlValue[]): Promise<T[]>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
}

/** The slice of sqlite3's Statement used here. */
interface SqliteStatement {
  all(params: readonly SqlValue[], cb: (err: Error | null, rows: unknown[]) => void): void;
  run(params: readonly SqlValue[], cb: (this: { changes: number }, err: Error | null) => void): void;
  finalize(): void;
}
interface Prepared { stmt: SqliteStatement; ready: Promise<void> }

// The statements live on the connection itself and the finalizer on the pool, so every store (and
// a store made for one transaction, whose knex client hands out the same connection) shares them.
const STATEMENTS = Symbol('jullix-idp prepared statements');
const FINALIZES = Symbol('jullix-idp finalizes prepared statements');

interface SqliteConnection {
  prepare(sql: string, cb: (err: Error | null) => void): SqliteStatement;
  [STATEMENTS]?: Map<string, Prepared>;
}
interface Pool {
  on(event: 'destroyRequest', handler: (eventId: number, conn: SqliteConnection) => void): void;
  [FINALIZES]?: true;
}
interface KnexSqliteClient {
  config: { client?: unknown };
  acquireConnection(): Promise<SqliteConnection>;
  releaseConnection(conn: SqliteConnection): Promise<void>;
  pool?: Pool | undefined;
}

export function sqlRunner(db: Knex): SqlRunner {
  const client = db.client as unknown as KnexSqliteClient;
  if (client.config.client !== 'sqlite3') return knexRaw(db);
  const writer = sqlitePrepared(client);
  // Only the instance the readers were opened for: a transaction (another knex object) reads on its
  // own connection, where it sees its own uncommitted writes.
  const readers = READERS.get(db);
  return readers ? { all: readers.all, run: writer.run } : writer;
}

interface ReadConnection { conn: SqliteConnection & sqlite3.Database; inFlight: number }
interface Readers { all<T>(sql: string, params: readonly SqlValue[]): Promise<T[]>; close(): Promise<void> }
const READERS = new WeakMap<Knex, Readers>();
const CLOSE_WAIT_MS = 5000;

/**
 * Opens `count` read-only connections to the same SQLite file, for `sqlRunner(db)`'s reads. Under WAL
 * a reader sees every commit made before its statement starts and never blocks the writer; each
 * statement runs to completion, so no snapshot is held between statements. Measured: a refresh
 * grant's four reads stop queueing behind the writes on knex's one connection (docs/performance.md).
 */
export async function openSqliteReaders(db: Knex, filename: string, count: number): Promise<void> {
  const opened: ReadConnection[] = [];
  const close = async () => {
    // Reads still in flight (background work after the server stopped) finish first: a statement
    // finalized under them fails with SQLITE_MISUSE. Bounded, so a stuck read cannot hold shutdown.
    for (let waited = 0; waited < CLOSE_WAIT_MS && opened.some((r) => r.inFlight > 0); waited += 10) await sleep(10);
    await Promise.all(opened.map(({ conn }) => {
      for (const { stmt } of conn[STATEMENTS]?.values() ?? []) stmt.finalize();
      return new Promise<void>((resolve, reject) => conn.close((err) => (err ? reject(err) : resolve())));
    }));
  };
  try {
    for (let i = 0; i < count; i++) {
      const conn = await new Promise<sqlite3.Database>((resolve, reject) => {
        const c = new sqlite3.Database(filename, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(c)));
      });
      opened.push({ conn: conn as SqliteConnection & sqlite3.Database, inFlight: 0 });
      await new Promise<void>((resolve, reject) => conn.exec('PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;', (err) => (err ? reject(err) : resolve())));
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  READERS.set(db, {
    async all<T>(sql: string, params: readonly SqlValue[]) {
      // The least busy connection: a statement queued on a busy one would wait for it.
      const reader = opened.reduce((best, r) => (r.inFlight < best.inFlight ? r : best));
      reader.inFlight++;
      try {
        const { stmt, ready } = preparedOn(reader.conn, sql);
        await ready;
        return await new Promise<T[]>((resolve, reject) => stmt.all(params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
      } finally {
        reader.inFlight--;
      }
    },
    close,
  });
}

/** Closes what openSqliteReaders opened (before `db.destroy()`); nothing when there is none. */
export async function closeSqliteReaders(db: Knex): Promise<void> {
  const readers = READERS.get(db);
  READERS.delete(db);
  await readers?.close();
}

/** The connection's prepared statement for `sql`, prepared on first use. */
function preparedOn(conn: SqliteConnection, sql: string): Prepared {
  const bySql = (conn[STATEMENTS] ??= new Map());
  const known = bySql.get(sql);
  if (known) return known;
  // A failed prepare never calls back the calls queued on that statement, so each call waits
  // for `ready` first; a failure is reported with SQLite's own message and not cached.
  let settle: (err: Error | null) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const entry = { stmt: conn.prepare(sql, (err) => settle(err)), ready };
  ready.catch(() => bySql.delete(sql));
  bySql.set(sql, entry);
  return entry;
}

function knexRaw(db: Knex): SqlRunner {
  return {
    async all<T>(sql: string, params: readonly SqlValue[]) {
      const result = (await db.raw(sql, [...params])) as { rows: T[] };
      return result.rows;
    },
    async run(sql, params) {
      const result = (await db.raw(sql, [...params])) as { rowCount: number | null };
      return result.rowCount ?? 0;
    },
  };
}

function sqlitePrepared(client: KnexSqliteClient): SqlRunner {
  const pool = client.pool;
  if (pool && !pool[FINALIZES]) {
    pool[FINALIZES] = true;
    // sqlite3_close fails (silently, through knex) while a statement is unfinalized, leaving the
    // file open and its WAL unmerged; so a connection's statements are finalized before it closes.
    pool.on('destroyRequest', (_eventId, conn) => {
      for (const { stmt } of conn[STATEMENTS]?.values() ?? []) stmt.finalize();
      delete conn[STATEMENTS];
    });
  }
  async function use<T>(sql: string, fn: (stmt: SqliteStatement, done: (err: Error | null, value?: T) => void) => void): Promise<T> {
    const conn = await client.acquireConnection();
    try {
      const { stmt, ready } = preparedOn(conn, sql);
      await ready;
      return await new Promise<T>((resolve, reject) => fn(stmt, (err, value) => (err ? reject(err) : resolve(value as T))));
    } finally {
      await client.releaseConnection(conn);
    }
  }
  return {
    all: <T>(sql: string, params: readonly SqlValue[]) => use<T[]>(sql, (stmt, done) => {
      stmt.all(params, (err, rows) => done(err, rows as T[]));
    }),
    run: (sql, params) => use<number>(sql, (stmt, done) => {
      stmt.run(params, function (err) {
        done(err, this.changes);
      });
    }),
  };
}
