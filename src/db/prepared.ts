// Hot-path SQL with `?` placeholders, run the cheapest way each database allows. On SQLite a knex
// query is three thread-pool round trips in sqlite3 (prepare, step, finalize) plus knex's query
// building; a statement prepared once per connection is one round trip (docs/performance.md).
// It runs on knex's own pooled connection, so it queues behind knex's queries and transactions
// exactly as a knex query would: same serialisation, same durability, same SQL.
import type { Knex } from 'knex';

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
  return client.config.client === 'sqlite3' ? sqlitePrepared(client) : knexRaw(db);
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
  const statement = (conn: SqliteConnection, sql: string): Prepared => {
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
  };
  async function use<T>(sql: string, fn: (stmt: SqliteStatement, done: (err: Error | null, value?: T) => void) => void): Promise<T> {
    const conn = await client.acquireConnection();
    try {
      const { stmt, ready } = statement(conn, sql);
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
