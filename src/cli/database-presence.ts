// Whether a command may open the SQLite database at the DATA_DIR it resolved. DATA_DIR defaults to
// ./data under the working directory, and SQLite creates a missing file: run from the wrong folder,
// `user list` answered "No users." and `user add` said "created" into a database the server never
// reads. A command that adds something may still start a fresh DATA_DIR (the first `user add`
// before the server ever ran), but says so; any other command refuses.

import path from 'node:path';

export interface DatabaseLookup {
  /** Set (PostgreSQL): the operator named the database, and connecting never creates one. */
  databaseUrl: string | undefined;
  /** The SQLite file's absolute path. */
  file: string;
  /** Whether that file is there and not empty. */
  exists: boolean;
  /** The command adds something and may start a new database (ContextOptions.mayCreateDatabase). */
  mayCreate: boolean;
  /** DATA_DIR as given in the environment, when it is. */
  dataDirVariable: string | undefined;
  cwd: string;
}

export type DatabasePresence =
  | { kind: 'open' }
  | { kind: 'refuse'; message: string }
  /** Open, creating the file; `notice` goes to stderr, so --json output stays parseable. */
  | { kind: 'create'; notice: string };

export function databasePresence(l: DatabaseLookup): DatabasePresence {
  if ((l.databaseUrl ?? '').trim() !== '' || l.exists) return { kind: 'open' };
  if (l.mayCreate) {
    return { kind: 'create', notice: `No database was at ${l.file}; created a new one. If your IdP's data lives elsewhere, set DATA_DIR.` };
  }
  return {
    kind: 'refuse',
    message: `No database at ${l.file} (${dataDirOrigin(l)}), so there is nothing to read or change; none was created.\n`
      + 'Set DATA_DIR to the folder the server uses (or DATABASE_URL for PostgreSQL).',
  };
}

/** Where the path came from: a relative DATA_DIR, or the default ./data, depends on the working directory. */
function dataDirOrigin(l: DatabaseLookup): string {
  const given = l.dataDirVariable?.trim() ?? '';
  if (given === '') return `DATA_DIR is not set: a relative dataDir (./data by default) is taken from the working directory ${l.cwd}`;
  if (path.isAbsolute(given)) return `DATA_DIR=${given}`;
  return `DATA_DIR=${given}, taken from the working directory ${l.cwd}`;
}
