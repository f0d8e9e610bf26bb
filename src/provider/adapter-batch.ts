// The adapter's two commonest statements, batched (group commit, src/db/batcher.ts): the model
// saves that wait together are one multi-row upsert, the lookups by id one `id in (...)` select
// per model. Same SQL semantics as one statement per call; docs/performance.md measures it.
import type { AdapterPayload } from 'oidc-provider';
import type { SqlRunner, SqlValue } from '../db/prepared.ts';
import { distinctBatcher, lookupBatcher, placeholders, sqlBySize, type Batcher } from '../db/batcher.ts';

export interface ModelRow {
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** The account the row belongs to: '' for none, null for none yet (accountIdOf). */
  accountId: string | null;
  expiresAt: number | null;
}
export interface FoundRow { id: string; payload: string; expires_at: number | string | null; consumed_at: number | string | null }
export interface ModelKey { model: string; id: string }

/**
 * Models whose destroy only marks the row (consumed_at), until the expiry sweep removes it; to the
 * provider a marked row is gone. A Session ends when signed out, replaced at a sign-in or ended
 * from the account page, and the provider re-saves every session it loaded at the end of each
 * request: one in flight when the session ended would otherwise write it back, for whoever holds
 * the old cookie. An Interaction ends when the provider resumes it: a step that finishes it saves
 * the result on the interaction it loaded (finishInteraction in interactions/), and a resume that
 * destroyed it meanwhile must not find it stored again, with its result.
 */
export const ENDED_NOT_DELETED: ReadonlySet<string> = new Set(['Session', 'Interaction']);

// consumed_at is left out of the merge so that re-saving a consumed model never revives it, and
// a marked row of those models is not updated at all.
const UPSERT_HEAD = 'insert into oidc_models (model, id, payload, grant_id, uid, user_code, account_id, expires_at) values ';
const UPSERT_TAIL = ` on conflict (model, id) do update set payload = excluded.payload,
  grant_id = excluded.grant_id, uid = excluded.uid, user_code = excluded.user_code, account_id = excluded.account_id,
  expires_at = excluded.expires_at
  where oidc_models.model not in (${[...ENDED_NOT_DELETED].map((m) => `'${m}'`).join(', ')}) or oidc_models.consumed_at is null`;

// At most 32 texts of each (the batch size limit).
const upsertSql = sqlBySize((n) => UPSERT_HEAD + Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ') + UPSERT_TAIL);
const findSql = sqlBySize((n) => `select id, payload, expires_at, consumed_at from oidc_models where model = ? and id in (${placeholders(n)})`);

/** Models whose account is written after their first save: an interaction at its sign-in, a device code at its approval. */
const LATE_ACCOUNT_MODELS: ReadonlySet<string> = new Set(['Interaction', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * The account a stored model belongs to, copied into oidc_models.account_id so that signing an
 * account out finds its rows by index (account-sign-out.ts). '' for a row without one that cannot
 * gain one (a client_credentials token); NULL for one that may later (an interaction before its
 * sign-in): an older instance during a rolling upgrade could write that account without the
 * column, so the sign-out reads the payload of NULL rows. An interaction names the sign-in it
 * carries (its result) first, else the session it started in; the one a sign-out of that account
 * must end. The same rule backfills old rows (migration 20261203120000).
 */
export function accountIdOf(model: string, payload: AdapterPayload): string | null {
  const id = payload.accountId ?? payload.result?.login?.accountId ?? payload.session?.accountId;
  if (typeof id === 'string') return id;
  return LATE_ACCOUNT_MODELS.has(model) ? null : '';
}

const keyOf = (k: ModelKey) => `${k.model}\u0000${k.id}`;
const paramsOf = (r: ModelRow): SqlValue[] => [r.model, r.id, r.payload, r.grantId, r.uid, r.userCode, r.accountId, r.expiresAt];

/**
 * Saves that wait together in one statement. Two saves of the same row in a batch keep the later
 * one, as running them in order would (and PostgreSQL refuses one statement that updates a row
 * twice); one bad row fails only its own caller (distinctBatcher).
 */
export function upsertBatcher(sql: SqlRunner): Batcher<ModelRow, void> {
  return distinctBatcher<ModelRow, void>(keyOf, async (rows) => {
    await sql.run(upsertSql(rows.length), rows.flatMap(paramsOf));
    return () => undefined;
  });
}

/** Lookups by id that wait together: one select per model; every caller gets the row (or undefined). */
export function findBatcher(sql: SqlRunner): (key: ModelKey) => Promise<FoundRow | undefined> {
  const byModel = new Map<string, Batcher<string, FoundRow | undefined>>();
  return ({ model, id }) => {
    let batcher = byModel.get(model);
    if (batcher === undefined) {
      batcher = lookupBatcher((ids) => sql.all<FoundRow>(findSql(ids.length), [model, ...ids]), (row) => row.id);
      byModel.set(model, batcher);
    }
    return batcher.push(id);
  };
}
