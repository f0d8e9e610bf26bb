// The account a provider row belongs to, copied out of its JSON payload into an indexed column, so
// that signing one account out everywhere finds its sessions, grants and tokens by index instead
// of scanning every row's payload inside a write transaction (at 100 k signed-in rows that scan
// held SQLite's write lock for 190 ms; docs/performance.md, ninth round).
// '' means the row has no account (a client_credentials token, a sign-in not yet past its
// password); NULL means it was written by a version that did not fill the column (the rows
// before this migration are filled here, but an older instance still running during a rolling
// upgrade writes NULL): the sign-out still reads those by their payload.
import type { Knex } from 'knex';

// Where each model names its account: the payload's accountId, for an interaction the sign-in it
// carries (its result) or else the session it started in. Same rule as accountIdOf in
// src/provider/adapter-batch.ts.
const SQLITE_ACCOUNT = `coalesce(json_extract(payload, '$.accountId'), json_extract(payload, '$.result.login.accountId'),
  json_extract(payload, '$.session.accountId'), '')`;
const POSTGRES_ACCOUNT = `coalesce(payload::jsonb ->> 'accountId', payload::jsonb #>> '{result,login,accountId}',
  payload::jsonb #>> '{session,accountId}', '')`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_models', (t) => {
    t.text('account_id').nullable();
    t.index(['account_id', 'model']);
  });
  const postgres = knex.client.config.client === 'pg';
  await knex('oidc_models').update({ account_id: knex.raw(postgres ? POSTGRES_ACCOUNT : SQLITE_ACCOUNT) });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_models', (t) => {
    t.dropIndex(['account_id', 'model']);
    t.dropColumn('account_id');
  });
}
