import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { readdirSync } from 'node:fs';
import { MIGRATIONS_DIR, migrateLatest, migrateRollbackAll, migrationStatus, pendingMigrations } from './migrations.ts';
import { withTestDatabases } from './test-database.ts';

// Every migration file, so a new one is covered by up/down/up without editing this test.
const ALL = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_[\w-]+\.ts$/.test(f)).sort();
const TABLES = ['users', 'oidc_models', 'audit_log', 'totp_credentials', 'recovery_codes', 'throttle', 'interaction_state', 'account_page_state', 'remembered_grants', 'signing_keys', 'backchannel_logouts'];

async function existingTables(db: Knex): Promise<string[]> {
  const found: string[] = [];
  for (const t of TABLES) if (await db.schema.hasTable(t)) found.push(t);
  return found;
}

const user = (id: string, role = 'customer') => ({
  id, username: id, username_lower: id, email: `${id}@x`, email_lower: `${id}@x`, name: id,
  role, password_hash: 'h', created_at: 1, updated_at: 1,
});

for (const backend of await withTestDatabases()) {
  describe(`migrations on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    before(async () => ({ db, cleanup } = await backend.open()));
    after(() => cleanup?.());

    test('up, down, up', async () => {
      assert.deepEqual(await pendingMigrations(db), ALL);
      assert.deepEqual(await migrateLatest(db), ALL);
      assert.deepEqual(await pendingMigrations(db), []);
      assert.deepEqual(await existingTables(db), TABLES);
      assert.deepEqual(await migrateLatest(db), []);

      assert.deepEqual(await migrateRollbackAll(db), [...ALL].reverse());
      assert.deepEqual(await existingTables(db), []);
      assert.deepEqual(await pendingMigrations(db), ALL);

      assert.deepEqual(await migrateLatest(db), ALL);
      assert.deepEqual(await existingTables(db), TABLES);
    });

    test('a migration applied by a newer version is no error: nothing pending, it is named as newer', async () => {
      // What a rolling upgrade leaves: the new instances migrated, this (older) code runs on.
      await db('knex_migrations').insert({ name: '20991231000000_future.ts', batch: 99, migration_time: new Date() });
      try {
        assert.deepEqual(await migrationStatus(db), { pending: [], newer: ['20991231000000_future.ts'] });
        assert.deepEqual(await migrateLatest(db), [], 'start-up migration finds nothing to do, and no "corrupt directory"');
      } finally {
        await db('knex_migrations').where('name', '20991231000000_future.ts').delete();
      }
    });

    test('the role check and the cascading foreign keys hold', async () => {
      await assert.rejects(db('users').insert(user('mallory', 'root')));
      await db('users').insert(user('alice'));
      await db('totp_credentials').insert({ id: 't1', user_id: 'alice', secret_ciphertext: 'c', created_at: 1 });
      await db('recovery_codes').insert({ id: 'r1', user_id: 'alice', code_hash: 'h', created_at: 1 });
      await assert.rejects(db('totp_credentials').insert({ id: 't2', user_id: 'nobody', secret_ciphertext: 'c', created_at: 1 }));
      await db('users').where('id', 'alice').delete();
      assert.equal((await db('totp_credentials').select('id')).length, 0);
      assert.equal((await db('recovery_codes').select('id')).length, 0);
    });
  });
}
