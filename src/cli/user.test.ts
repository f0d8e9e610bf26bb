// `jullix-idp user ...` end to end: the real command in a child process against a fresh DATA_DIR.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createAccountStore } from '../accounts/store.ts';
import { loadConfig } from '../config/load.ts';
import { resolveSecrets } from '../config/secrets.ts';
import { createRecoveryCodeStore } from '../factors/recovery-code-store.ts';
import { RECOVERY_CODE_COUNT } from '../factors/recovery-codes.ts';
import { createTotpCredentialStore } from '../factors/totp-credentials.ts';
import { generateTotpSecret, timeStepAt } from '../factors/totp.ts';
import { systemClock } from '../security/clock.ts';
import { createArgon2Hasher } from '../security/password-hashing.ts';
import type { AuditEntryView } from './audit.ts';
import type { UserWithTwoStep } from './output.ts';
import { hasNoStackTrace, jsonOf, runCli, tempDataDir, type CliResult, withDatabase } from './test-support.ts';

type UserView = UserWithTwoStep;

const PASSWORD = 'correct horse battery';
/** Alice gets a full set of recovery codes and uses one. */
const CODES_LEFT = RECOVERY_CODE_COUNT - 1;

describe('jullix-idp user', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (args: string[], stdin?: string): Promise<CliResult> => runCli(dir, args, stdin === undefined ? {} : { stdin });
  const addUser = (username: string, role = 'customer', email = `${username.toLowerCase()}@example.com`) =>
    cli(['user', 'add', username, '--email', email, '--name', `${username} Example`, '--role', role, '--password-stdin'], `${PASSWORD}\n`);
  const show = async (username: string) => jsonOf<UserView>(await cli(['user', 'show', username, '--json']));
  const withDb = <T>(work: (db: Knex) => Promise<T>): Promise<T> => withDatabase(dir, work);

  before(async () => ({ dir, cleanup } = await tempDataDir()));
  after(() => cleanup());

  test('add reads the password from stdin, and show --json prints the user without its hash', async () => {
    const added = await addUser('Alice', 'installer');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /Applied database migrations/, 'a fresh DATA_DIR is migrated first');
    const alice = await show('alice');
    assert.deepEqual(Object.keys(alice).sort(), ['createdAt', 'disabled', 'email', 'id', 'name', 'recoveryCodesLeft', 'role', 'totp', 'username']);
    assert.equal(alice.totp, false);
    assert.equal(alice.recoveryCodesLeft, 0);
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
    const [role, noFlag, short, badName, badEmail, common, commonSet] = await Promise.all([
      addUser('bob', 'boss'),
      cli(['user', 'add', 'bob', '--email', 'bob@example.com', '--name', 'Bob', '--role', 'admin'], `${PASSWORD}\n`),
      cli(['user', 'add', 'bob', '--email', 'bob@example.com', '--name', 'Bob', '--role', 'admin', '--password-stdin'], 'short\n'),
      addUser('bob smith'),
      cli(['user', 'add', 'bob', '--email', 'not-an-email', '--name', 'Bob', '--role', 'admin', '--password-stdin'], `${PASSWORD}\n`),
      cli(['user', 'add', 'bob', '--email', 'bob@example.com', '--name', 'Bob', '--role', 'admin', '--password-stdin'], 'Password1\n'),
      cli(['user', 'set-password', 'bob', '--password-stdin'], 'qwertyuiop'),
    ]);
    for (const r of [role, noFlag, short, badName, badEmail, common, commonSet]) {
      assert.equal(r.code, 2, r.stderr);
      assert.ok(hasNoStackTrace(r));
      assert.match(r.stderr, /--help" for usage/);
    }
    assert.match(role.stderr, /--role: must be one of: installer, customer, admin/);
    assert.match(noFlag.stderr, /--password-stdin: is required/);
    assert.match(short.stderr, /at least 8 characters/);
    assert.match(badName.stderr, /<username>: may only contain letters, digits/);
    assert.match(badEmail.stderr, /--email: must be an email address/);
    for (const r of [common, commonSet]) assert.match(r.stderr, /most common passwords/);
  });

  test('a password that is not UTF-8 is refused, not stored with U+FFFD in place of its bytes', async () => {
    // "pässwörd-lang" from a Latin-1 terminal: the browser would send other bytes for it.
    const latin1 = Buffer.from('p\xe4ssw\xf6rd-lang', 'latin1');
    const r = await runCli(dir, ['user', 'add', 'latin', '--email', 'latin@example.com', '--name', 'Latin', '--role', 'customer', '--password-stdin'], { stdin: latin1 });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(hasNoStackTrace(r));
    assert.match(r.stderr, /not UTF-8/);
    assert.equal(await withDb((db) => db('users').where('username_lower', 'latin').first('id')), undefined);
  });

  test('a password with a NUL or another control character is refused: nobody could type it at sign-in', async () => {
    const [nul, lineInside, setNul] = await Promise.all([
      cli(['user', 'add', 'nul', '--email', 'nul@example.com', '--name', 'Nul', '--role', 'customer', '--password-stdin'], 'correct\u0000horse battery\n'),
      cli(['user', 'add', 'nul', '--email', 'nul@example.com', '--name', 'Nul', '--role', 'customer', '--password-stdin'], 'correct horse\nbattery\n'),
      cli(['user', 'set-password', 'alice', '--password-stdin'], `${PASSWORD}\u0000`),
    ]);
    for (const r of [nul, lineInside, setNul]) {
      assert.equal(r.code, 2, r.stderr);
      assert.ok(hasNoStackTrace(r));
      assert.match(r.stderr, /the password must not contain control characters such as NUL/);
    }
    assert.equal(await withDb((db) => db('users').where('username_lower', 'nul').first('id')), undefined);
    const alice = await withDb((db) => db('users').where('username_lower', 'alice').first('password_hash'));
    assert.equal(await createArgon2Hasher().verify(String(alice?.password_hash), PASSWORD), true, 'the password is unchanged');
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

  test('list and show report two-step verification; --without-2fa lists who has none', async () => {
    // Enrol Alice as the server would: the stores, with the keys the CLI resolves from this DATA_DIR.
    const keys = resolveSecrets(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' })).dataEncryptionKeys;
    await withDb(async (db) => {
      const alice = await createAccountStore(db, systemClock).findByUsername('alice');
      assert.ok(alice);
      await createTotpCredentialStore(db, systemClock, keys).enrol(alice.id, generateTotpSecret(), timeStepAt(Date.now()));
      const store = createRecoveryCodeStore(db, systemClock, keys);
      const codes = await store.regenerate(alice.id);
      assert.equal(await store.consume(alice.id, codes[0] ?? ''), true);
    });
    const [shown, all, without, installersWithout, text] = await Promise.all([
      show('alice'),
      cli(['user', 'list', '--json']),
      cli(['user', 'list', '--without-2fa', '--json']),
      cli(['user', 'list', '--role', 'installer', '--without-2fa']),
      cli(['user', 'show', 'alice']),
    ]);
    assert.equal(shown.totp, true);
    assert.equal(shown.recoveryCodesLeft, CODES_LEFT);
    assert.deepEqual(jsonOf<UserView[]>(all).map((u) => [u.username, u.totp, u.recoveryCodesLeft]), [['Alice', true, CODES_LEFT], ['carol', false, 0]]);
    assert.deepEqual(jsonOf<UserView[]>(without).map((u) => u.username), ['carol']);
    assert.equal(installersWithout.stdout.trim(), 'No users with role installer without two-step verification.');
    assert.match(text.stdout, new RegExp(`Authenticator app:\\s+yes \\(TOTP\\)\\nRecovery codes:\\s+${CODES_LEFT} unused`));
  });

  test('reset-2fa removes the TOTP credential and every recovery code, audited once', async () => {
    const reset = await cli(['user', 'reset-2fa', 'ALICE']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.ok(reset.stdout.startsWith(`Reset two-step verification for Alice: removed the authenticator app (TOTP) and ${CODES_LEFT} unused recovery codes; signed out everywhere (0 sessions ended, 0 tokens revoked).\n`), reset.stdout);
    assert.match(reset.stdout, /Alice \(role installer\) must set up a new authenticator app at the next sign-in/);
    const [alice, again, installersWithout, none] = await Promise.all([
      show('alice'),
      cli(['user', 'reset-2fa', 'alice', '--json']),
      cli(['user', 'list', '--role', 'installer', '--without-2fa', '--json']),
      cli(['user', 'reset-2fa', 'carol']),
    ]);
    assert.equal(alice.totp, false);
    assert.equal(alice.recoveryCodesLeft, 0);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(jsonOf<UserView>(again), alice);
    assert.deepEqual(jsonOf<UserView[]>(installersWithout).map((u) => u.username), ['Alice']);
    assert.equal(none.stdout.trim(), 'carol has no two-step verification set up; nothing to reset.');
    const left = await withDb(async (db) => ({
      totp: await db('totp_credentials').where('user_id', alice.id).count({ n: '*' }).first(),
      codes: await db('recovery_codes').where('user_id', alice.id).count({ n: '*' }).first(),
      audit: await db('audit_log').where('event', 'totp.reset').select('username', 'user_id', 'detail'),
    }));
    assert.equal(Number(left.totp?.n), 0);
    assert.equal(Number(left.codes?.n), 0, 'the used code is gone too');
    assert.equal(left.audit.length, 1, 'a reset that did nothing is not audited');
    assert.equal(left.audit[0]?.username, 'Alice');
    assert.equal(left.audit[0]?.user_id, alice.id);
    const detail = JSON.parse(String(left.audit[0]?.detail));
    assert.deepEqual([detail.via, detail.totpRemoved, detail.recoveryCodesLeft, detail.sessionsEnded], ['cli', true, CODES_LEFT, 0]);
  });

  test('audit prints entries newest first, filtered by --user, as JSON or a table', async () => {
    // What a visitor typed at sign-in can reach the log: it must not reach the terminal raw.
    await withDb((db) => db('audit_log').insert({
      at: Date.now(), event: 'login.password.failure', username: 'x\u001b[31mred', ip: '203.0.113.9', detail: JSON.stringify({ reason: 'no such user', n: 1 }),
    }));
    const [alice, table, unknown, ...badLimits] = await Promise.all([
      cli(['audit', '--user', 'alice', '--json']),
      cli(['audit', '--limit', '2']),
      cli(['audit', '--user', 'nobody']),
      cli(['audit', '--limit', '0']),
      cli(['audit', '--limit', '1001']),
      cli(['audit', '--limit', 'ten']),
    ]);
    const entries = jsonOf<AuditEntryView[]>(alice);
    assert.deepEqual(entries.map((e) => e.event), ['totp.reset', 'user.created']);
    assert.deepEqual(Object.keys(entries[0] ?? {}).sort(), ['at', 'clientId', 'detail', 'event', 'id', 'ip', 'userId', 'username']);
    assert.equal(entries[0]?.username, 'Alice');
    assert.equal(entries[0]?.detail?.['via'], 'cli');
    assert.equal(new Date(entries[0]?.at ?? '').toISOString(), entries[0]?.at);
    const lines = table.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^TIME\s+EVENT\s+USER\s+IP\s+CLIENT\s+DETAIL$/);
    assert.match(lines[1] ?? '', /login\.password\.failure\s+x\\u\{1b\}\[31mred\s+203\.0\.113\.9\s+-\s+reason="no such user" n=1$/);
    assert.ok(!table.stdout.includes('\u001b'), 'no raw escape character');
    assert.match(lines[2] ?? '', new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+totp\\.reset\\s+Alice\\s+-\\s+-\\s+via=cli .*totpRemoved=true recoveryCodesLeft=${CODES_LEFT} sessionsEnded=0 tokensRevoked=0 logoutsQueued=0$`));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^jullix-idp: no user named "nobody"/);
    for (const bad of badLimits) {
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /--limit: must be a whole number from 1 to 1000/);
    }
  });
});
