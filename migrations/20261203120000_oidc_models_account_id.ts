// The account a provider row belongs to, copied out of its JSON payload into an indexed column, so
// that signing one account out everywhere finds its sessions, grants and tokens by index instead
// of scanning every row's payload inside a write transaction (at 100 k signed-in rows that scan
// held SQLite's write lock for 190 ms; docs/performance.md, ninth round).
// '' means the row has no account and cannot gain one; NULL means the sign-out must read its
// payload: written by a version before this column (an older instance during a rolling upgrade,
// whose updates leave the column as it was), or of a model that gains its account later (an
// interaction before its sign-in; accountIdOf in src/provider/adapter-batch.ts, the same rule).
// Not one transaction: on PostgreSQL it would lock the table against every instance, old ones
// included, for the whole fill (10 s at 300 k rows). The column and index come first, each step
// can be run again, and the rows are filled in batches.
import type { Knex } from 'knex';

export const config = { transaction: false };

const INDEX = 'oidc_models_account_id_model_index';
const BATCH = 2000;
/** About 2,000 rows of half a kilobyte. */
const PAGES = 128;
/** Models whose account is written after their first save (accountIdOf): NULL until then. */
const LATE = "('Interaction', 'DeviceCode', 'BackchannelAuthenticationRequest')";
const NO_ACCOUNT = `case when model in ${LATE} then null else '' end`;
const SQLITE_ACCOUNT = `case when json_valid(payload) then coalesce(json_extract(payload, '$.accountId'),
  json_extract(payload, '$.result.login.accountId'), json_extract(payload, '$.session.accountId'), ${NO_ACCOUNT}) end`;
// jsonb refuses a payload holding \u0000, which anyone can plant (a state parameter of %00): such
// rows keep NULL, and the sign-out reads their payload.
const POSTGRES_ACCOUNT = `case when strpos(payload, chr(92) || 'u0000') = 0 then coalesce(payload::jsonb ->> 'accountId',
  payload::jsonb #>> '{result,login,accountId}', payload::jsonb #>> '{session,accountId}', ${NO_ACCOUNT}) end`;

export async function up(knex: Knex): Promise<void> {
  const postgres = knex.client.config.client === 'pg';
  if (!(await knex.schema.hasColumn('oidc_models', 'account_id'))) {
    await knex.schema.alterTable('oidc_models', (t) => t.text('account_id').nullable());
  }
  await knex.raw(`create index ${postgres ? 'concurrently ' : ''}if not exists ${INDEX} on oidc_models (account_id, model)`);
  if (postgres) await fillByPage(knex);
  else await fillByRowid(knex);
}

/** SQLite: windows of the rowid, the order rows lie in the file (by key, each row was a random page: 10 times slower). */
async function fillByRowid(knex: Knex): Promise<void> {
  const { top } = await knex('oidc_models').max({ top: 'rowid' }).first() as { top: number | null };
  for (let from = 0; from < (top ?? 0); from += BATCH) {
    await knex('oidc_models').where('rowid', '>', from).andWhere('rowid', '<=', from + BATCH).update({ account_id: knex.raw(SQLITE_ACCOUNT) });
  }
}

/** PostgreSQL: windows of pages by tuple id, as they lie on disk (PostgreSQL 14 and later scan a ctid range). */
async function fillByPage(knex: Knex): Promise<void> {
  const result = await knex.raw("select pg_relation_size('oidc_models') / current_setting('block_size')::int as pages") as { rows: Array<{ pages: string | number }> };
  const pages = Number(result.rows[0]?.pages ?? 0);
  // Rows an update moves past the last page are the adapter's, already filled; rows moved within
  // the range may be filled twice, to the same value.
  for (let from = 0; from <= pages; from += PAGES) {
    await knex('oidc_models').whereRaw('ctid >= ?::tid and ctid < ?::tid', [`(${from},0)`, `(${from + PAGES},0)`])
      .update({ account_id: knex.raw(POSTGRES_ACCOUNT) });
  }
  // The fill left an index entry per old, NULL version of each row; until autovacuum comes by, every
  // sign-out's look for NULL rows walked them all (12-22 ms per statement at 300 k rows, 1-2 after).
  // A plain VACUUM blocks neither reads nor writes.
  await knex.raw('vacuum analyze oidc_models');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index if exists ${INDEX}`);
  await knex.schema.alterTable('oidc_models', (t) => t.dropColumn('account_id'));
}
