// Opens the IdP's database: a SQLite file in the data directory by default, PostgreSQL when a
// postgres:// URL is configured (for running several IdP instances against one database).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { IdpError } from '../errors.ts';
import { closeSqliteReaders, openSqliteReaders } from './prepared.ts';

export const SQLITE_FILE_NAME = 'jullix-idp.sqlite';
const sqliteFile = (dataDir: string): string => path.join(dataDir, SQLITE_FILE_NAME);

export interface DatabaseOptions {
  /** Unset (or empty) selects the built-in SQLite file; otherwise a postgres:// URL. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /**
   * SQLite only: read-only connections for the hot-path reads (src/db/prepared.ts); close the
   * database with closeDatabase then. Two measured best on two cores (three no better).
   */
  readers?: number;
  /**
   * Where knex's own warnings go (a failed connection attempt, say), as one JSON log line without the
   * stack. Without one they are dropped: every failure that matters reaches the caller as an error.
   * knex would otherwise print them raw, stack trace included, before our own clear message.
   */
  onDriverWarning?: (message: string) => void;
}

/** The slice of a sqlite3 `Database` that the pool hook needs. */
interface SqliteConnection {
  exec(sql: string, callback: (err: Error | null) => void): void;
}

// WAL lets readers run while the single writer commits; foreign keys are off by default in SQLite;
// busy_timeout waits out a lock held by the CLI instead of failing at once; NORMAL is durable
// enough under WAL (a power cut can lose the last commit, never corrupt the file).
const SQLITE_PRAGMAS = [
  'PRAGMA journal_mode = WAL;',
  'PRAGMA foreign_keys = ON;',
  'PRAGMA busy_timeout = 5000;',
  'PRAGMA synchronous = NORMAL;',
].join(' ');

export async function openDatabase(options: DatabaseOptions): Promise<Knex> {
  const url = options.databaseUrl?.trim() ?? '';
  const config = url === '' ? await sqliteConfig(options.dataDir) : postgresConfig(url);
  const report = (message: unknown) => options.onDriverWarning?.(scrubPassword(String(message).split('\n')[0] ?? '', url));
  // compileSqlOnError off: knex otherwise writes a failed query's bound values into the error's
  // message (a password hash, a token, a TOTP ciphertext), and messages reach the operator's
  // terminal and the log; the SQL with its ? placeholders says enough.
  const db = knex({ ...config, compileSqlOnError: false, log: { warn: report, error: report, deprecate: () => undefined, debug: () => undefined } });
  try {
    await db.raw('select 1');
  } catch (err) {
    await db.destroy().catch(() => undefined);
    const reason = scrubPassword(err instanceof Error ? err.message : String(err), url);
    const where = describeDatabase(url, options.dataDir);
    // No `cause`: driver errors may carry connection settings, and this error is logged whole.
    throw new IdpError('database_unavailable', `cannot connect to the database (${where}): ${reason}`, {
      detail: { database: where, reason },
    });
  }
  if (url === '' && (options.readers ?? 0) > 0) {
    try {
      await openSqliteReaders(db, sqliteFile(options.dataDir), options.readers ?? 0);
    } catch (err) {
      await db.destroy().catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      throw new IdpError('database_unavailable', `cannot open read connections to ${sqliteFile(options.dataDir)}: ${reason}`);
    }
  }
  return db;
}

/** Closes the database and any read connections openDatabase opened with it. */
export async function closeDatabase(db: Knex): Promise<void> {
  try {
    await closeSqliteReaders(db);
  } finally {
    await db.destroy();
  }
}

async function sqliteConfig(dataDir: string): Promise<Knex.Config> {
  try {
    // The database holds password hashes, live tokens and client secrets: the folder and the file
    // are the IdP user's alone when they are made here (an operator's own folder keeps its mode).
    // SQLite gives the -wal and -shm files the database file's permissions.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = sqliteFile(dataDir);
    if (!existsSync(file)) await writeFile(file, '', { mode: 0o600, flag: 'a' });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new IdpError('database_unavailable', `cannot create the data directory ${dataDir}: ${reason}`);
  }
  return {
    client: 'sqlite3',
    connection: { filename: sqliteFile(dataDir) },
    useNullAsDefault: true,
    // One connection: SQLite has a single writer anyway, and it keeps the PRAGMAs in one place.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) => {
        conn.exec(SQLITE_PRAGMAS, (err) => done(err, conn));
      },
    },
  };
}

function postgresConfig(url: string): Knex.Config {
  const scheme = schemeOf(url);
  if (scheme !== 'postgres:' && scheme !== 'postgresql:') {
    // Only the scheme is echoed: the rest of the URL may hold a password.
    const got = scheme === undefined ? 'an unparseable URL' : `scheme "${scheme}"`;
    throw new IdpError(
      'config_invalid',
      `database URL must start with postgres:// or postgresql:// (or be unset to use the built-in SQLite file); got ${got}`,
    );
  }
  return {
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: 5000 },
    pool: { min: 0, max: 10 },
    // Fail start-up within seconds when the server is unreachable, not after knex's 60 s default.
    acquireConnectionTimeout: 10_000,
  };
}

function schemeOf(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}

/** A display string for logs and CLI output: never the password (nor the query, which may hold one). */
export function describeDatabase(databaseUrl?: string, dataDir?: string): string {
  const url = databaseUrl?.trim() ?? '';
  if (url === '') {
    return dataDir === undefined ? `SQLite (${SQLITE_FILE_NAME} in the data directory)` : `SQLite ${path.join(dataDir, SQLITE_FILE_NAME)}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'an unparseable database URL';
  }
  const user = parsed.username === '' ? '' : `${parsed.username}${parsed.password === '' ? '' : ':***'}@`;
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
}

function scrubPassword(message: string, url: string): string {
  const password = url === '' ? '' : passwordOf(url);
  return password === '' ? message : message.split(password).join('***');
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
