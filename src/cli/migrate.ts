// `jullix-idp migrate`: bring the database schema up to date (every command also does this first;
// this one is for deploy scripts that migrate before starting the server).
import { z } from 'zod';
import { describeDatabase } from '../db/connection.ts';
import { defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printJson } from './output.ts';

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Apply pending database migrations',
  help: `
Usage: jullix-idp migrate [--json]

Apply every pending migration in one batch. Uses DATA_DIR (SQLite) or DATABASE_URL
(PostgreSQL) like the server. Every other command migrates first too, unless
MIGRATE_ON_START=false: then they refuse a database that is behind, and this one is the way.

Options:
  --json   print {"database": ..., "applied": [...]}`,
  options: {},
  schema: z.object({}),
  async run(_args, { json, io }) {
    await withContext(io, async (ctx) => {
      const database = describeDatabase(ctx.config.databaseUrl, ctx.config.dataDir);
      if (json) return printJson(io, { database, applied: ctx.migrated });
      if (ctx.migrated.length === 0) return io.out(`The database is up to date (${database}).`);
      io.out(`Applied ${ctx.migrated.length} migration${ctx.migrated.length === 1 ? '' : 's'} to ${database}:`);
      for (const name of ctx.migrated) io.out(`  ${name}`);
    }, { announceMigrations: false, alwaysMigrate: true });
  },
});
