// Fresh, throw-away databases for tests: SQLite always, PostgreSQL too when TEST_DATABASE_URL is
// set. A set-but-unreachable TEST_DATABASE_URL makes open() throw, so the run fails instead of
// quietly testing only SQLite.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from './connection.ts';
import { migrateLatest } from './migrations.ts';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** An empty database, or a migrated one with `{ migrate: true }`. */
  open(options?: { migrate?: boolean }): Promise<{ db: Knex; cleanup(): Promise<void> }>;
}

export async function withTestDatabases(): Promise<TestDatabase[]> {
  const backends: TestDatabase[] = [{ name: 'sqlite', open: openSqlite }];
  const adminUrl = process.env['TEST_DATABASE_URL'];
  if (adminUrl !== undefined && adminUrl !== '') {
    backends.push({ name: 'postgres', open: (options) => openPostgres(adminUrl, options) });
  }
  return backends;
}

async function openSqlite(options?: { migrate?: boolean }): Promise<{ db: Knex; cleanup(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-test-'));
  const db = await openDatabase({ dataDir });
  if (options?.migrate === true) await migrateLatest(db);
  return {
    db,
    async cleanup() {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(adminUrl: string, options?: { migrate?: boolean }): Promise<{ db: Knex; cleanup(): Promise<void> }> {
  // Random hex keeps the name a safe identifier, so quoting it below is enough.
  const name = `jullix_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.raw(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.href, dataDir: os.tmpdir() });
  if (options?.migrate === true) await migrateLatest(db);
  return {
    db,
    async cleanup() {
      await db.destroy();
      // FORCE (PostgreSQL 13+) ends any connection a failed test left behind.
      await withAdmin(adminUrl, (admin) => admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin(adminUrl: string, work: (admin: Knex) => PromiseLike<unknown>): Promise<void> {
  const admin = await openDatabase({ databaseUrl: adminUrl, dataDir: os.tmpdir() });
  try {
    await work(admin);
  } finally {
    await admin.destroy();
  }
}
