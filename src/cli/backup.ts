// `jullix-idp backup <file>`: a consistent online copy of the SQLite database while the server
// runs (SQLite's VACUUM INTO reads one snapshot; writers are not blocked for long under WAL).
import { rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../config/load.ts';
import { IdpError } from '../errors.ts';
import { defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printJson } from './output.ts';

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'Copy the SQLite database to a file while the server runs',
  help: `
Usage: jullix-idp backup <file> [--json]

Writes a consistent copy of the SQLite database (DATA_DIR/jullix-idp.sqlite) to <file>, which
must not exist yet. Safe while the server runs. To restore: stop the server, put the copy in
place as DATA_DIR/jullix-idp.sqlite (remove any -wal/-shm files next to it), start the server.
The keys in DATA_DIR/secrets.json (or your JWKS/COOKIE_KEYS/DATA_ENCRYPTION_KEYS) are needed too:
back them up separately and keep them apart from the database copy.

With DATABASE_URL (PostgreSQL) use pg_dump instead, e.g.
  pg_dump --format=custom --file=jullix.dump "$DATABASE_URL"`,
  options: {},
  positionals: ['file'],
  schema: z.object({ file: z.string().min(1, 'name the file to write, e.g. backup-2026-11-25.sqlite') }),
  async run(args, { json, io }) {
    const target = path.resolve(args.file);
    // Refused before the database is opened: opening migrates it, and a backup must never be what
    // changes the PostgreSQL database it was pointed at.
    if (loadConfig(io.env).databaseUrl !== undefined) throw new IdpError('bad_request', 'backup copies the SQLite database; with PostgreSQL use pg_dump (see --help)');
    await withContext(io, async (ctx) => {
      if (existsSync(target)) throw new IdpError('conflict', `${target} already exists: choose a new file name`);
      const folder = path.dirname(target);
      if (!existsSync(folder)) throw new IdpError('not_found', `${folder} does not exist: create the folder first, or name a file in one that does`);
      const started = Date.now();
      // Made empty and private first: VACUUM INTO writes into an existing empty file, and a copy of
      // the database is as secret as the database.
      await writeFile(target, '', { mode: 0o600, flag: 'wx' });
      try {
        await ctx.db.raw('VACUUM INTO ?', [target]);
      } catch (err) {
        // A copy that failed half-way (a full disk, a lock) is no backup: it would be mistaken for
        // one, and it blocked the retry under the same name ("already exists").
        await rm(target, { force: true });
        throw err;
      }
      const ms = Date.now() - started;
      if (json) return printJson(io, { file: target, ms });
      io.out(`Backed up the database to ${target} in ${ms} ms.`);
    });
  },
});
