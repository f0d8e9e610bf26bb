// Accounts, the provider's stored models (sessions, grants, codes, tokens, DCR clients) and the
// audit log. Timestamps are bigint milliseconds since the epoch and ids are text, so the same
// schema and queries work unchanged on SQLite and PostgreSQL.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.text('id').primary(); // a random UUID
    t.text('username').notNullable();
    // Lower-cased copies carry the uniqueness, so "Alice" and "alice" cannot both exist on either DB.
    t.text('username_lower').notNullable().unique();
    t.text('email').notNullable();
    t.text('email_lower').notNullable().unique();
    t.text('name').notNullable();
    t.text('role').notNullable().checkIn(['installer', 'customer', 'admin'], 'users_role_check');
    t.text('password_hash').notNullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  // One table for every oidc-provider model; `model` is the adapter's name (Session, Grant, ...).
  await knex.schema.createTable('oidc_models', (t) => {
    t.text('model').notNullable();
    t.text('id').notNullable();
    t.text('payload').notNullable(); // JSON
    t.text('grant_id').nullable();
    t.text('uid').nullable();
    t.text('user_code').nullable();
    t.bigInteger('expires_at').nullable(); // NULL: never expires (e.g. clients from DCR)
    t.bigInteger('consumed_at').nullable();
    t.primary(['model', 'id']);
    t.index(['model', 'grant_id']); // revokeByGrantId
    t.index(['model', 'uid']); // Session.findByUid, called on every interaction
    t.index(['expires_at']); // the expiry sweep
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id').primary();
    t.bigInteger('at').notNullable();
    t.text('event').notNullable();
    // No foreign key: the trail must outlive the user it mentions.
    t.text('user_id').nullable();
    t.text('username').nullable();
    t.text('ip').nullable();
    t.text('client_id').nullable();
    t.text('detail').nullable(); // JSON
    t.index(['user_id', 'at']);
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('oidc_models');
  await knex.schema.dropTable('users');
}
