// Second factor (TOTP + recovery codes), the login throttle, and the server-side state of a
// multi-step login keyed by interaction uid (see notes/oidc-provider.md §3: the provider's own
// Interaction cannot be trusted to carry MFA progress).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('totp_credentials', (t) => {
    t.text('id').primary();
    t.text('user_id').notNullable().unique().references('id').inTable('users').onDelete('CASCADE');
    t.text('secret_ciphertext').notNullable(); // encrypted, bound to this row
    // The last accepted time step: a code at or below it is a replay.
    t.bigInteger('last_used_step').nullable();
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('recovery_codes', (t) => {
    t.text('id').primary();
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('code_hash').notNullable();
    t.bigInteger('used_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['user_id', 'code_hash']); // also the lookup index for a user's codes
  });

  // Keyed by whatever the limiter counts (a user, an IP); rows are swept 24 h after the last failure.
  await knex.schema.createTable('throttle', (t) => {
    t.text('key').primary();
    t.integer('failures').notNullable();
    t.bigInteger('last_failure_at').notNullable();
  });

  await knex.schema.createTable('interaction_state', (t) => {
    t.text('uid').primary(); // the oidc-provider interaction uid
    t.text('account_id').nullable(); // set once the password step succeeded
    t.bigInteger('password_at').nullable();
    // An enrolment secret lives here (encrypted) until a valid code proves it, then moves to totp_credentials.
    t.text('pending_totp_secret').nullable();
    t.bigInteger('pending_totp_created_at').nullable();
    t.text('factors').nullable(); // JSON list of factors completed in this interaction
    t.bigInteger('expires_at').notNullable(); // the interaction's exp
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('interaction_state');
  await knex.schema.dropTable('throttle');
  await knex.schema.dropTable('recovery_codes');
  await knex.schema.dropTable('totp_credentials');
}
