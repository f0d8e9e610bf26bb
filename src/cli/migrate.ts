// `jullix-idp migrate`: bring the database schema up to date (every command also does this first;
// this one is for deploy scripts that migrate before starting the server).
import { z } from 'zod';
import { describeDatabase } from '../db/connection.ts';
import { releaseMigrationLock } from '../db/migrations.ts';
import { defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printJson } from './output.ts';

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Apply pending database migrations',
  help: `
Usage: jullix-idp migrate [--unlock] [--json]

Apply every pending migration in one batch. Uses DATA_DIR (SQLite) or DATABASE_URL
(PostgreSQL) like the server. Every other command migrates first too, unless
MIGRATE_ON_START=false: then they refuse a database that is behind, and this one is the way.

Options:
  --unlock  release the migration lock that an instance stopped while migrating left behind
            (only when no instance is migrating now); then migrate again
  --json    print {"database": ..., "applied": [...]} (with --unlock: {"database": ..., "released": true|false})`,
  options: { unlock: { type: 'boolean' } },
  schema: z.object({ unlock: z.boolean().default(false) }),
  async run(args, { json, io }) {
    if (args.unlock) {
      return withContext(io, async (ctx) => {
        const database = describeDatabase(ctx.config.databaseUrl, ctx.config.dataDir);
        const released = await releaseMigrationLock(ctx.db);
        if (json) return printJson(io, { database, released });
        io.out(released ? `Released the migration lock of ${database}.` : `The migration lock of ${database} was not held.`);
      }, { skipMigrations: true });
    }
    await withContext(io, async (ctx) => {
      const database = describeDatabase(ctx.config.databaseUrl, ctx.config.dataDir);
      if (json) return printJson(io, { database, applied: ctx.migrated });
      if (ctx.migrated.length === 0) return io.out(`The database is up to date (${database}).`);
      io.out(`Applied ${ctx.migrated.length} migration${ctx.migrated.length === 1 ? '' : 's'} to ${database}:`);
      for (const name of ctx.migrated) io.out(`  ${name}`);
    }, { announceMigrations: false, alwaysMigrate: true, mayCreateDatabase: true });
  },
});
