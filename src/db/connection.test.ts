import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isIdpError } from '../errors.ts';
import { describeDatabase, openDatabase, SQLITE_FILE_NAME } from './connection.ts';

test('without a URL it creates the data dir and a SQLite file, private, with the PRAGMAs set', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-conn-'));
  const dataDir = path.join(root, 'nested', 'data');
  const db = await openDatabase({ dataDir });
  try {
    assert.ok((await stat(path.join(dataDir, SQLITE_FILE_NAME))).isFile());
    // Password hashes, live tokens, client secrets: for the IdP's user alone (an operator review found 0644).
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    await db.raw('create table if not exists probe (x integer)');
    for (const f of [SQLITE_FILE_NAME, `${SQLITE_FILE_NAME}-wal`]) assert.equal((await stat(path.join(dataDir, f))).mode & 0o777, 0o600, f);
    const pragma = async (name: string): Promise<unknown> => {
      const rows: unknown = await db.raw(`PRAGMA ${name}`);
      assert.ok(Array.isArray(rows));
      const first: unknown = rows[0];
      assert.ok(typeof first === 'object' && first !== null);
      return Object.values(first)[0];
    };
    assert.equal(await pragma('journal_mode'), 'wal');
    assert.equal(await pragma('foreign_keys'), 1);
    assert.equal(await pragma('busy_timeout'), 5000);
    assert.equal(await pragma('synchronous'), 1); // NORMAL
  } finally {
    await db.destroy();
    await rm(root, { recursive: true, force: true });
  }
});

test('an unsupported scheme is a config error that does not echo the URL', async () => {
  await assert.rejects(openDatabase({ databaseUrl: 'mysql://root:hunter2@db/idp', dataDir: os.tmpdir() }), (err) => {
    assert.ok(isIdpError(err, 'config_invalid'));
    assert.match(err.message, /postgres:\/\//);
    assert.match(err.message, /mysql:/);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
});

test('an unreachable PostgreSQL server is database_unavailable, naming host and db but not the password', async () => {
  // Port 1 on loopback refuses at once.
  const url = 'postgres://idp:s3cr3t-pw@127.0.0.1:1/idpdb';
  const warnings: string[] = [];
  await assert.rejects(openDatabase({ databaseUrl: url, dataDir: os.tmpdir(), onDriverWarning: (m) => warnings.push(m) }), (err) => {
    assert.ok(isIdpError(err, 'database_unavailable'));
    assert.match(err.message, /127\.0\.0\.1:1\/idpdb/);
    assert.doesNotMatch(err.message, /s3cr3t-pw/);
    assert.doesNotMatch(JSON.stringify(err.detail), /s3cr3t-pw/);
    return true;
  });
  // knex's own warning reaches the log as one line: no stack trace, no password.
  assert.ok(warnings.length > 0, 'the driver warned');
  for (const w of warnings) {
    assert.doesNotMatch(w, /\n|s3cr3t-pw/);
  }
});

test('describeDatabase masks the password and drops the query string', () => {
  assert.equal(describeDatabase('postgres://idp:pw@db.example:5432/idp?password=pw2'), 'postgres://idp:***@db.example:5432/idp');
  assert.equal(describeDatabase('postgresql://idp@db.example/idp'), 'postgresql://idp@db.example/idp');
  assert.equal(describeDatabase('not a url :pw'), 'an unparseable database URL');
  assert.equal(describeDatabase(undefined, '/var/lib/idp'), `SQLite ${path.join('/var/lib/idp', SQLITE_FILE_NAME)}`);
  assert.match(describeDatabase(), /SQLite/);
});

test('a failed query names its SQL but never the values bound into it', async () => {
  // An operator review saw `user set-password` against a locked database print the new
  // password_hash inside "SQLITE_BUSY: database is locked".
  const root = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-conn-'));
  const db = await openDatabase({ dataDir: root });
  try {
    const secret = '$argon2id$v=19$m=19456,p=1,t=2$not-for-your-eyes';
    await assert.rejects(db('no_such_table').where('id', 'u1').update({ password_hash: secret }), (err: Error) => {
      assert.match(err.message, /no such table: no_such_table/);
      assert.ok(!err.message.includes(secret), err.message);
      return true;
    });
  } finally {
    await db.destroy();
    await rm(root, { recursive: true, force: true });
  }
});
