// Back-channel logout tokens still to be sent (src/provider/backchannel.ts): a session ended outside
// the provider's logout endpoint (the account page, the operator's CLI) queues one row per app to
// tell, in the same transaction that ends it, and the running server sends them and deletes the
// row. Queued, not sent on the spot: the CLI's process has neither the server's issuer nor its
// network position for sure, and a notification must survive an app that is down for a while.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backchannel_logouts', (t) => {
    t.increments('id').primary();
    t.text('client_id').notNullable();
    t.text('account_id').notNullable();
    t.text('sid').nullable();
    t.bigInteger('created_at').notNullable();
    // When a server may next try it: now when queued, later after a failure or while one sends it.
    t.bigInteger('next_attempt_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.index(['next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('backchannel_logouts');
}
