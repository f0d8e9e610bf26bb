// The jullix-idp dispatcher and its one error boundary: usage errors exit 2, failures exit 1, and
// no stack trace ever reaches the operator's terminal.
import { readFileSync } from 'node:fs';
import { isIdpError } from '../errors.ts';
import { projectPath } from '../paths.ts';
import { UsageError } from './args.ts';
import type { CliIo, Command } from './command.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

// Loaded on demand: `client` brings in oidc-provider, and `user` has no use for it.
const COMMANDS: Record<string, { summary: string; load(): Promise<Command> }> = {
  migrate: { summary: 'Apply pending database migrations', load: async () => (await import('./migrate.ts')).migrateCommand },
  user: { summary: 'Manage user accounts', load: async () => (await import('./user.ts')).userCommands },
  client: { summary: 'Manage the apps (OAuth clients) that sign users in here', load: async () => (await import('./client.ts')).clientCommands },
  'registration-token': {
    summary: 'Manage the tokens developers use to register apps themselves',
    load: async () => (await import('./registration-token.ts')).registrationTokenCommands,
  },
  audit: { summary: 'Show the audit trail, newest first', load: async () => (await import('./audit.ts')).auditCommand },
  backup: { summary: 'Copy the SQLite database to a file while the server runs', load: async () => (await import('./backup.ts')).backupCommand },
  keys: { summary: 'Show, rotate and remove the token signing keys', load: async () => (await import('./keys.ts')).keysCommands },
  secrets: { summary: 'Re-encrypt TOTP secrets under the newest data-encryption key', load: async () => (await import('./secrets.ts')).secretsCommands },
};

const HELP = `Usage: jullix-idp <command> [options]

Administer the Jullix identity provider: users, client apps, registration tokens for
developers, the audit trail and database migrations.
Configuration comes from the same place as the server's: config/*.json and the
environment (DATA_DIR, DATABASE_URL, NODE_ENV, ...). Pending migrations are applied first.
A relative DATA_DIR (the default ./data too) is taken from the working directory; without a
database there, only migrate, user add, client add and registration-token create make one.

Commands:
${Object.entries(COMMANDS).map(([name, cmd]) => `  ${name.padEnd(20)}${cmd.summary}`).join('\n')}

Run "jullix-idp <command> --help" for a command's options. Every command takes --json (a failure
is then {"error":{"code","message"}} on stderr).
"jullix-idp --version" prints the version and whether the compiled build runs.
Exit status: 0 success, 1 failure, 2 invalid usage.`;

/** The package version, the Node version, and which code runs (the build in dist/ is .js). */
function versionLine(): string {
  const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version?: unknown };
  const code = import.meta.url.endsWith('.js') ? 'compiled build (dist/)' : 'TypeScript sources';
  return `jullix-idp ${String(pkg.version)} (Node ${process.version}, ${code})`;
}

/** Runs one command line; returns the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === '--help' || name === '-h' || name === 'help') {
      io.out(HELP);
      return EXIT_OK;
    }
    if (name === '--version' || name === '-V' || name === 'version') {
      io.out(versionLine());
      return EXIT_OK;
    }
    if (name === undefined) {
      io.err(HELP);
      return EXIT_USAGE;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new UsageError(`unknown command "${name}"; one of: ${Object.keys(COMMANDS).join(', ')}`, '');
    await (await command.load()).run(rest, io);
    return EXIT_OK;
  } catch (err) {
    const failure = describeFailure(err);
    // A script that asked for --json reads the failure as JSON too (on stderr, with the exit status).
    if (argv.includes('--json')) io.err(JSON.stringify({ error: { code: failure.code, message: failure.lines.join('\n') } }));
    else for (const line of failure.lines) io.err(`jullix-idp: ${line}`);
    if (failure.usage !== undefined && !argv.includes('--json')) io.err(failure.usage);
    return failure.exit;
  }
}

interface Failure { code: string; lines: string[]; usage?: string; exit: number }

function describeFailure(err: unknown): Failure {
  if (err instanceof UsageError) {
    return { code: 'usage', lines: err.message.split('\n'), usage: `Run "jullix-idp ${err.command === '' ? '' : `${err.command} `}--help" for usage.`, exit: EXIT_USAGE };
  }
  if (isIdpError(err)) {
    // The operator is the administrator, so every IdpError message is shown; they never hold a
    // secret (database errors are scrubbed of passwords where they are made).
    return { code: err.code, lines: err.message.split('\n'), exit: err.code === 'bad_request' ? EXIT_USAGE : EXIT_FAILURE };
  }
  if (isSqliteBusy(err)) {
    return { code: 'database_unavailable', lines: [SQLITE_BUSY_MESSAGE], exit: EXIT_FAILURE };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'unexpected', lines: [`unexpected error: ${message.split('\n')[0] ?? ''}`], exit: EXIT_FAILURE };
}

// SQLite has one writer: a long write elsewhere (a backup, another command, a stuck transaction)
// outlasts the 5 s busy_timeout. That is no bug to report but a reason to try again, and knex's
// "unexpected error: update `users` set ... - SQLITE_BUSY" said neither.
const SQLITE_BUSY_MESSAGE = 'the SQLite database is locked: another process (the server, another jullix-idp command, a sqlite3 shell) held its write lock for more than 5 s, so the change under way was not saved: run the command again';

function isSqliteBusy(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === 'SQLITE_BUSY';
}
