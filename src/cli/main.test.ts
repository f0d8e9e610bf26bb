// The jullix-idp tool as a whole: help, exit statuses, migrate, and failures without stack traces.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasNoStackTrace, jsonOf, runCli, tempDataDir, withDatabase } from './test-support.ts';

describe('jullix-idp', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDataDir()));
  after(() => cleanup());

  test('--help for the tool, a group and a command, and --version, exit 0 without touching the data folder', async () => {
    const fresh = path.join(dir, 'untouched');
    const [tool, group, command, audit, tokens, version] = await Promise.all([
      runCli(fresh, ['--help']),
      runCli(fresh, ['user', '--help']),
      runCli(fresh, ['client', 'add', '--help']),
      runCli(fresh, ['audit', '--help']),
      runCli(fresh, ['registration-token', '--help']),
      runCli(fresh, ['--version']),
    ]);
    for (const r of [tool, group, command, audit, tokens, version]) assert.equal(r.code, 0, r.stderr);
    // The tests run src/cli/main.ts itself; src/ops/start.test.ts checks the bin's choice of the build.
    assert.match(version.stdout, /^jullix-idp \d+\.\d+\.\d+ \(Node v22\.[\d.]+, TypeScript sources\)\n$/);
    assert.match(tool.stdout, /registration-token\s+Manage the tokens developers use/);
    assert.match(tokens.stdout, /revoke\s+Stop a registration token/);
    assert.match(tool.stdout, /^Usage: jullix-idp <command>/);
    assert.match(tool.stdout, /migrate\s+Apply pending/);
    assert.match(group.stdout, /set-password\s+Replace/);
    assert.match(group.stdout, /reset-2fa\s+Remove/);
    assert.match(audit.stdout, /--limit <n>\s+at most n entries, 1-1000 \(default 100\)/);
    assert.match(command.stdout, /--redirect-uri <uri>/);
    assert.equal(existsSync(fresh), false);
  });

  test('unknown commands and options exit 2 with a pointer to --help', async () => {
    const [unknown, none, sub, option, extra] = await Promise.all([
      runCli(dir, ['frobnicate']),
      runCli(dir, []),
      runCli(dir, ['user', 'frobnicate']),
      runCli(dir, ['user', 'list', '--colour']),
      runCli(dir, ['user', 'show', 'alice', 'bob']),
    ]);
    for (const r of [unknown, none, sub, option, extra]) {
      assert.equal(r.code, 2, r.stderr);
      assert.ok(hasNoStackTrace(r), r.stderr);
    }
    assert.match(unknown.stderr, /unknown command "frobnicate"; one of: migrate, user, client, registration-token, audit/);
    assert.match(none.stderr, /^Usage: jullix-idp/);
    assert.match(sub.stderr, /unknown command "user frobnicate"/);
    assert.match(option.stderr, /Unknown option '--colour'[\s\S]*jullix-idp user list --help/);
    assert.match(extra.stderr, /unexpected argument: bob/);
  });

  test('migrate applies the migrations to a fresh folder, then says the database is up to date', async () => {
    const first = await runCli(dir, ['migrate']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Applied \d+ migrations? to SQLite/);
    assert.match(first.stdout, /_initial\.ts/);
    const second = await runCli(dir, ['migrate', '--json']);
    assert.deepEqual(jsonOf<{ applied: string[] }>(second).applied, []);
  });

  test('with MIGRATE_ON_START=false a command refuses a database that is behind; migrate is the way', async () => {
    const fresh = path.join(dir, 'controlled');
    const env = { MIGRATE_ON_START: 'false' };
    // A database one migration behind, as after an upgrade of the code.
    assert.equal((await runCli(fresh, ['migrate'])).code, 0);
    await withDatabase(fresh, async (db) => {
      await db.schema.dropTable('backchannel_logouts');
      await db('knex_migrations').where('name', '20261203090000_backchannel_logouts.ts').delete();
    });
    const refused = await runCli(fresh, ['user', 'list'], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^jullix-idp: The database needs migrations \(20261203090000_backchannel_logouts\.ts\): run "jullix-idp migrate" first/);
    assert.ok(hasNoStackTrace(refused));
    assert.equal((await runCli(fresh, ['migrate'], { env })).code, 0);
    const listed = await runCli(fresh, ['user', 'list'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stderr, '', 'nothing migrated behind the operator\'s back');
  });

  test('with --json a failure is JSON on stderr too, with the same exit status', async () => {
    const [missing, usage] = await Promise.all([runCli(dir, ['user', 'show', 'nobody', '--json']), runCli(dir, ['user', 'list', '--colour', '--json'])]);
    assert.equal(missing.code, 1);
    assert.deepEqual(JSON.parse(missing.stderr), { error: { code: 'not_found', message: 'no user named "nobody"' } });
    assert.equal(missing.stdout, '');
    assert.equal(usage.code, 2);
    assert.deepEqual(JSON.parse(usage.stderr), { error: { code: 'usage', message: "Unknown option '--colour'" } });
  });

  test('a migration lock left behind is explained, and migrate --unlock releases it', async () => {
    const fresh = path.join(dir, 'locked');
    assert.equal((await runCli(fresh, ['migrate'])).code, 0);
    // A database one migration behind whose migration was interrupted: the lock is still held.
    await withDatabase(fresh, async (db) => {
      await db.schema.dropTable('backchannel_logouts');
      await db('knex_migrations').where('name', '20261203090000_backchannel_logouts.ts').delete();
      await db('knex_migrations_lock').update({ is_locked: 1 });
    });
    const stuck = await runCli(fresh, ['user', 'list']);
    assert.equal(stuck.code, 1);
    assert.match(stuck.stderr, /^jullix-idp: The migration lock is held: .* release the lock with "jullix-idp migrate --unlock"/);
    assert.ok(hasNoStackTrace(stuck));
    const unlocked = await runCli(fresh, ['migrate', '--unlock']);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.match(unlocked.stdout, /^Released the migration lock of SQLite/);
    const migrated = await runCli(fresh, ['user', 'list']);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /Applied database migrations: 20261203090000_backchannel_logouts\.ts/);
    assert.match((await runCli(fresh, ['migrate', '--unlock'])).stdout, /was not held/);
    assert.equal((await runCli(fresh, ['user', 'list'])).stderr, '', 'a database that is up to date is not migrated (no lock taken)');
  });

  test('a database failure is one line and exit 1, with the password scrubbed', async () => {
    // Port 1 on loopback refuses at once; nothing listens there.
    const result = await runCli(dir, ['user', 'list'], { env: { DATABASE_URL: 'postgres://admin:s3cret@127.0.0.1:1/idp' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^jullix-idp: cannot connect to the database/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.ok(!result.stderr.includes('s3cret'));
    assert.ok(hasNoStackTrace(result));
  });

  test('a SQLite write lock held elsewhere is explained as such, without the SQL', async () => {
    const locked = await tempDataDir();
    try {
      const add = await runCli(locked.dir, ['user', 'add', 'lou', '--email', 'lou@example.com', '--name', 'Lou', '--role', 'customer', '--password-stdin'], { stdin: 'lou-password-1\n' });
      assert.equal(add.code, 0, add.stderr);
      const result = await withDatabase(locked.dir, async (db) => {
        // A write transaction on the one pooled connection: the CLI waits its 5 s busy_timeout out.
        const trx = await db.transaction();
        await trx('users').update({ updated_at: 1 });
        try {
          return await runCli(locked.dir, ['user', 'set-password', 'lou', '--password-stdin'], { stdin: 'lou-password-2\n' });
        } finally {
          await trx.rollback();
        }
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^jullix-idp: the SQLite database is locked: .* run the command again$/m);
      assert.doesNotMatch(result.stderr, /unexpected error|argon2/);
      assert.ok(hasNoStackTrace(result));
    } finally {
      await locked.cleanup();
    }
  });

  test('a command that reads refuses a DATA_DIR without a database, names the path, and creates nothing', async () => {
    const wrong = path.join(dir, 'wrong-folder');
    const [list, audit, json] = await Promise.all([
      runCli(wrong, ['user', 'list']),
      runCli(wrong, ['audit']),
      runCli(wrong, ['client', 'show', 'x', '--json']),
    ]);
    for (const r of [list, audit, json]) {
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(hasNoStackTrace(r), r.stderr);
    }
    assert.equal(list.stderr, `jullix-idp: No database at ${wrong}/jullix-idp.sqlite (DATA_DIR=${wrong}), so there is nothing to read or change; none was created.\n`
      + 'jullix-idp: Set DATA_DIR to the folder the server uses (or DATABASE_URL for PostgreSQL).\n');
    assert.match(audit.stderr, /^jullix-idp: No database at /);
    assert.equal((JSON.parse(json.stderr) as { error: { code: string } }).error.code, 'database_missing');
    assert.equal(existsSync(wrong), false, 'no folder, no database, no secrets.json');
  });

  test('the default ./data is taken from the working directory, and the message says which', async () => {
    const elsewhere = path.join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const unset = await runCli('', ['user', 'list'], { cwd: elsewhere });
    assert.equal(unset.code, 1, unset.stderr);
    assert.match(unset.stderr, new RegExp(`^jullix-idp: No database at ${elsewhere}/data/jullix-idp\\.sqlite \\(DATA_DIR is not set: a relative dataDir \\(\\./data by default\\) is taken from the working directory ${elsewhere}\\)`));
    const relative = await runCli('idp-data', ['keys', 'list'], { cwd: elsewhere });
    assert.match(relative.stderr, new RegExp(`^jullix-idp: No database at ${elsewhere}/idp-data/jullix-idp\\.sqlite \\(DATA_DIR=idp-data, taken from the working directory ${elsewhere}\\)`));
    assert.deepEqual(await readdir(elsewhere), []);
  });

  test('a command that adds something creates a missing database and says so on stderr, --json stays JSON', async () => {
    const fresh = path.join(dir, 'first-user');
    const added = await runCli(fresh, ['user', 'add', 'alice', '--email', 'alice@example.com', '--name', 'Alice', '--role', 'customer', '--password-stdin', '--json'], { stdin: 'a-long-password' });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(jsonOf<{ username: string }>(added).username, 'alice');
    assert.match(added.stderr, new RegExp(`^No database was at ${fresh}/jullix-idp\\.sqlite; created a new one\\. If your IdP's data lives elsewhere, set DATA_DIR\\.$`, 'm'));
    const again = await runCli(fresh, ['user', 'add', 'bob', '--email', 'bob@example.com', '--name', 'Bob', '--role', 'customer', '--password-stdin'], { stdin: 'a-long-password' });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, '', 'the database is there now: nothing to say');
  });

  test('with PostgreSQL (DATABASE_URL) a missing DATA_DIR database is no reason to refuse', async () => {
    const result = await runCli(path.join(dir, 'unused'), ['user', 'list'], { env: { DATABASE_URL: 'postgres://admin@127.0.0.1:1/idp' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^jullix-idp: cannot connect to the database/, 'it went on to connect');
  });

  test('bad configuration is reported, not thrown', async () => {
    const result = await runCli(dir, ['user', 'list'], { env: { LOG_LEVEL: 'loud' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Invalid configuration:[\s\S]*logLevel/);
    assert.ok(hasNoStackTrace(result));
  });
});
