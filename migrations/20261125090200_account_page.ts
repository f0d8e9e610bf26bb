// State of the self-service account page, keyed by the provider session it runs in: when the
// person last re-confirmed (ASVS 7.5.1) and a pending TOTP secret while they turn 2FA on.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('account_page_state', (t) => {
    t.text('session_id').primary(); // the oidc-provider Session id (changes at every sign-in)
    t.text('account_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.bigInteger('confirmed_at').nullable();
    t.text('pending_totp_secret').nullable(); // encrypted, bound to the account and session
    t.bigInteger('pending_totp_created_at').nullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_page_state');
}
