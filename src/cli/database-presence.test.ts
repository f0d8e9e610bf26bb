// When a command may open, must refuse, or may create the SQLite database at the DATA_DIR it resolved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databasePresence, type DatabaseLookup } from './database-presence.ts';

const missing: DatabaseLookup = {
  databaseUrl: undefined, file: '/srv/wrong/data/jullix-idp.sqlite', exists: false, mayCreate: false, dataDirVariable: undefined, cwd: '/srv/wrong',
};

test('an existing database, or PostgreSQL, is opened by every command', () => {
  assert.deepEqual(databasePresence({ ...missing, exists: true }), { kind: 'open' });
  assert.deepEqual(databasePresence({ ...missing, databaseUrl: 'postgres://idp@db/idp' }), { kind: 'open' }, 'connecting to PostgreSQL creates nothing');
});

test('a command that only reads or changes refuses a missing database, naming the path and where it came from', () => {
  const refused = databasePresence(missing);
  assert.equal(refused.kind, 'refuse');
  const message = refused.kind === 'refuse' ? refused.message : '';
  assert.match(message, /^No database at \/srv\/wrong\/data\/jullix-idp\.sqlite \(DATA_DIR is not set: a relative dataDir \(\.\/data by default\) is taken from the working directory \/srv\/wrong\)/);
  assert.match(message, /none was created\.\nSet DATA_DIR to the folder the server uses \(or DATABASE_URL for PostgreSQL\)\.$/);
  const relative = databasePresence({ ...missing, dataDirVariable: 'data' });
  assert.match(relative.kind === 'refuse' ? relative.message : '', /\(DATA_DIR=data, taken from the working directory \/srv\/wrong\)/);
  const absolute = databasePresence({ ...missing, file: '/srv/idp/jullix-idp.sqlite', dataDirVariable: '/srv/idp' });
  assert.match(absolute.kind === 'refuse' ? absolute.message : '', /^No database at \/srv\/idp\/jullix-idp\.sqlite \(DATA_DIR=\/srv\/idp\)/);
  assert.equal(databasePresence({ ...missing, databaseUrl: '' }).kind, 'refuse', 'an empty DATABASE_URL is SQLite');
});

test('a command that adds something creates the database and says so', () => {
  assert.deepEqual(databasePresence({ ...missing, mayCreate: true }), {
    kind: 'create',
    notice: "No database was at /srv/wrong/data/jullix-idp.sqlite; created a new one. If your IdP's data lives elsewhere, set DATA_DIR.",
  });
  assert.deepEqual(databasePresence({ ...missing, mayCreate: true, exists: true }), { kind: 'open' }, 'nothing to say when it was there');
});
