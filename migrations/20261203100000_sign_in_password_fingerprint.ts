// Which stored password a sign-in's password step was checked against (a fingerprint of the hash,
// never the hash): the sign-in finishes only while the account still has it, so a password reset
// or a disable that lands during a sign-in with the old password ends that sign-in too.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interaction_state', (t) => {
    t.text('password_fingerprint').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interaction_state', (t) => {
    t.dropColumn('password_fingerprint');
  });
}
