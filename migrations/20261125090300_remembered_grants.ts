// Consent a person gave to a third-party app, remembered across sign-in sessions and listed on the
// account page (where it can be revoked). The grant itself is an oidc-provider Grant model row.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('remembered_grants', (t) => {
    t.text('account_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('client_id').notNullable();
    t.text('grant_id').notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['account_id', 'client_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('remembered_grants');
}
