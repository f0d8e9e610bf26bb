// How many times each account was signed out everywhere (a password reset, reset-2fa, a disable, a
// role change, "sign out everywhere else"), and the count a sign-in under way began under. A
// sign-in's result is saved only while the account's count is still the one it began under, in
// the same statement that saves it (src/provider/sign-out-guard.ts): a sign-out that lands between
// the finish's check and that save is seen there, whatever became of the sign-in's progress row.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('sign_out_epoch').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('interaction_state', (t) => {
    // NULL: stored by a version before this column; such a sign-in starts again (finish-check.ts).
    t.integer('sign_out_epoch').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interaction_state', (t) => {
    t.dropColumn('sign_out_epoch');
  });
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('sign_out_epoch');
  });
}
