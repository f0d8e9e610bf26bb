// Runs the knex migrations in migrations/. knex's own file loader require()s the files, which
// cannot load our .ts sources under Node's type stripping, so this source import()s them instead.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { IdpError } from '../errors.ts';
import { projectPath } from '../paths.ts';

export const MIGRATIONS_DIR = projectPath('migrations');

// YYYYMMDDHHMMSS_what.ts; the pattern also keeps *.test.ts and stray files out of the list.
const MIGRATION_FILE = /^\d{14}_[a-z0-9_]+\.ts$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

function isMigrationModule(value: unknown): value is MigrationModule {
  if (typeof value !== 'object' || value === null) return false;
  const mod = value as Record<string, unknown>;
  return typeof mod['up'] === 'function' && typeof mod['down'] === 'function';
}

/** A knex migration source over one directory; each migration is named by its file name. */
export function fileMigrationSource(directory: string = MIGRATIONS_DIR): Knex.MigrationSource<string> {
  return {
    async getMigrations() {
      const files = await readdir(directory);
      return files.filter((f) => MIGRATION_FILE.test(f)).sort();
    },
    getMigrationName: (file) => file,
    async getMigration(file) {
      const mod: unknown = await import(pathToFileURL(path.join(directory, file)).href);
      if (!isMigrationModule(mod)) {
        throw new IdpError('internal', `migration ${file} must export async functions up(knex) and down(knex)`);
      }
      // `config.transaction: false` lets a long migration run in steps instead of one transaction.
      const options = (mod as { config?: unknown }).config;
      const transaction = typeof options === 'object' && options !== null ? (options as { transaction?: unknown }).transaction : undefined;
      return { up: mod.up, down: mod.down, ...(transaction === false ? { config: { transaction: false } } : {}) };
    },
  };
}

function config(directory: string | undefined): Knex.MigratorConfig {
  // An applied migration this code does not know is a newer version's (a rolling upgrade: the new
  // instances migrated, the old ones still run). Migrations only add what older code ignores
  // (docs/operations.md), so it is no error; knex would call the directory "corrupt" and every old
  // instance would fail its readiness check and refuse to restart (found by an operator's review).
  return { migrationSource: fileMigrationSource(directory), disableMigrationsListValidation: true };
}

/** Applies every pending migration in one batch; returns the names applied, oldest first. */
export async function migrateLatest(db: Knex, directory?: string): Promise<string[]> {
  let result: unknown;
  try {
    result = await db.migrate.latest(config(directory));
  } catch (err) {
    // knex's own advice ("run knex migrate:unlock") does not work here: there is no knexfile.
    if (err instanceof Error && err.name === 'MigrationLocked') {
      throw new IdpError('conflict', 'The migration lock is held: another instance is migrating now, or one was stopped while migrating. If none is, release the lock with "jullix-idp migrate --unlock" and start again.', { expose: true });
    }
    throw err;
  }
  return namesFromBatch(result);
}

/** Releases the migration lock an interrupted migration left behind; true when it was held. */
export async function releaseMigrationLock(db: Knex, directory?: string): Promise<boolean> {
  const held = await db.schema.hasTable('knex_migrations_lock')
    && (await db('knex_migrations_lock').where('is_locked', 1).first()) !== undefined;
  await db.migrate.forceFreeMigrationsLock(config(directory));
  return held;
}

/** Undoes every applied migration, newest first; returns the names rolled back. */
export async function migrateRollbackAll(db: Knex, directory?: string): Promise<string[]> {
  const result: unknown = await db.migrate.rollback(config(directory), true);
  return namesFromBatch(result);
}

/** Names of migrations present in the directory but not yet applied, oldest first. */
export async function pendingMigrations(db: Knex, directory?: string): Promise<string[]> {
  return (await migrationStatus(db, directory)).pending;
}

/**
 * Pending: in the directory, not applied. Newer: applied, but not in the directory (a newer
 * version of the IdP ran them).
 */
export async function migrationStatus(db: Knex, directory?: string): Promise<{ pending: string[]; newer: string[] }> {
  const result: unknown = await db.migrate.list(config(directory));
  // knex answers [completed, pending]: completed as { name } rows, pending as our source's specs (file names).
  const [completed, pending]: unknown[] = Array.isArray(result) ? result : [];
  const applied = stringArray(Array.isArray(completed) ? completed.map((c: unknown) => (c as { name?: unknown }).name) : undefined, 'list');
  const known = new Set(await fileMigrationSource(directory).getMigrations([]));
  return { pending: stringArray(pending, 'list'), newer: applied.filter((name) => !known.has(name)) };
}

// knex answers latest/rollback with [batchNumber, namesRun].
function namesFromBatch(result: unknown): string[] {
  return stringArray(Array.isArray(result) ? result[1] : undefined, 'batch');
}

function stringArray(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new IdpError('internal', `unexpected answer from knex migrator (${what})`);
  }
  return value;
}
