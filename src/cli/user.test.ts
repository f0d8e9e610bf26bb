// `jullix-idp user ...` end to end: the real command in a child process against a fresh DATA_DIR.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { openDatabase } from '../db/connection.ts';
import { createArgon2Hasher } from '../security/password-hashing.ts';
import { hasNoStackTrace, jsonOf, runCli, tempDataDir, type CliResult } from './test-support.ts';
import type { UserView } from './output.ts';

const PASSWORD = 'correct horse battery';

describe('jullix-idp user', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (args: string[], stdin?: string): Promise<CliResult> => runCli(dir, args, stdin === undefined ? {} : { stdin });
  const addUser = (username: string, role = 'customer', email = `${username.toLowerCase()}@example.com`) =>
    cli(['user', 'add', username, '--email', email, '--name', `${username} Example`, '--role', role, '--password-stdin'], `${PASSWORD}\n`);
  const show = async (username: string) => jsonOf<UserView>(await cli(['user', 'show', username, '--json']));
  // A second connection to the CLI's SQLite file, to check what it stored.
  const withDb = async <T>(work: (db: Knex) => Promise<T>): Promise<T> => {
    const db = await openDatabase({ dataDir: dir });
    try {
      return await work(db);
    } finally {
      await db.destroy();
    }
  };

  before(async () => ({ dir, cleanup } = await tempDataDir()));
  after(() => cleanup());

  test('add reads the password from stdin, and show --json prints the user without its hash', async () => {
    const added = await addUser('Alice', 'installer');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /Applied database migrations/, 'a fresh DATA_DIR is migrated first');
    const alice = await show('alice');
    assert.deepEqual(Object.keys(alice).sort(), ['createdAt', 'disabled', 'email', 'id', 'name', 'role', 'username']);
    assert.equal(alice.username, 'Alice');
    assert.equal(alice.email, 'alice@example.com');
    assert.equal(alice.role, 'installer');
    assert.equal(alice.disabled, false);
    assert.equal(new Date(alice.createdAt).toISOString(), alice.createdAt);
    // The trailing newline from the pipe is not part of the password.
    const hash = await withDb((db) => db('users').where('id', alice.id).first('password_hash'));
    assert.equal(await createArgon2Hasher().verify(String(hash?.password_hash), PASSWORD), true);
  });

  test('a username that differs only in case already exists: exit 1', async () => {
    const dup = await addUser('ALICE', 'customer', 'other@example.com');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /user named "Alice" already exists/);
    assert.ok(hasNoStackTrace(dup));
  });

  test('bad input exits 2 with the rule, before any password is hashed', async () => {
    const [role, noFlag, short, badName, badEmail] = await Promise.all([
      addUser('bob', 'boss'),
      cli(['user', 'add', 'bob', '--email', 'bob@example.com', '--name', 'Bob', '--role', 'admin'], `${PASSWORD}\n`),
      cli(['user', 'add', 'bob', '--email', 'bob@example.com', '--name', 'Bob', '--role', 'admin', '--password-stdin'], 'short\n'),
      addUser('bob smith'),
      cli(['user', 'add', 'bob', '--email', 'not-an-email', '--name', 'Bob', '--role', 'admin', '--password-stdin'], `${PASSWORD}\n`),
    ]);
    for (const r of [role, noFlag, short, badName, badEmail]) {
      assert.equal(r.code, 2, r.stderr);
      assert.ok(hasNoStackTrace(r));
      assert.match(r.stderr, /--help" for usage/);
    }
    assert.match(role.stderr, /--role: must be one of: installer, customer, admin/);
    assert.match(noFlag.stderr, /--password-stdin: is required/);
    assert.match(short.stderr, /at least 8 characters/);
    assert.match(badName.stderr, /<username>: may only contain letters, digits/);
    assert.match(badEmail.stderr, /--email: must be an email address/);
  });

  test('list filters by role', async () => {
    assert.equal((await addUser('carol', 'admin')).code, 0);
    const all = jsonOf<UserView[]>(await cli(['user', 'list', '--json']));
    assert.deepEqual(all.map((u) => u.username), ['Alice', 'carol'], 'no "bob" from the rejected commands');
    const admins = jsonOf<UserView[]>(await cli(['user', 'list', '--role', 'admin', '--json']));
    assert.deepEqual(admins.map((u) => u.username), ['carol']);
    const text = await cli(['user', 'list']);
    assert.match(text.stdout, /^USERNAME\s+ROLE/);
    assert.doesNotMatch(text.stdout, /argon2/);
  });

  test('disable, enable and set-role change the account', async () => {
    assert.equal(jsonOf<UserView>(await cli(['user', 'disable', 'carol', '--json'])).disabled, true);
    assert.equal(jsonOf<UserView>(await cli(['user', 'enable', 'CAROL', '--json'])).disabled, false);
    const changed = await cli(['user', 'set-role', 'carol', 'customer']);
    assert.match(changed.stdout, /now has the role customer \(was admin\)/);
    const carol = await show('carol');
    assert.equal(carol.role, 'customer');
    assert.equal(carol.disabled, false);
    const [badRole, missing] = await Promise.all([cli(['user', 'set-role', 'carol', 'root']), cli(['user', 'disable', 'nobody'])]);
    assert.equal(badRole.code, 2);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no user named "nobody"/);
  });

  test('set-password replaces the hash; every change is audited without the password', async () => {
    const set = await cli(['user', 'set-password', 'carol', '--password-stdin'], 'a brand new passphrase');
    assert.equal(set.code, 0, set.stderr);
    const audit = await withDb((db) => db('audit_log').orderBy('id').select('event', 'username', 'detail'));
    assert.deepEqual(audit.map((a) => `${a.event} ${a.username}`), [
      'user.created Alice', 'user.created carol', 'user.disabled carol', 'user.enabled carol',
      'user.updated carol', 'user.password_set carol',
    ]);
    const everything = JSON.stringify(audit);
    assert.ok(!everything.includes(PASSWORD) && !everything.includes('brand new'), 'no password in the audit trail');
    assert.equal(JSON.parse(String(audit[4]?.detail)).to, 'customer');
  });
});
