// Signing one account out everywhere: what an operator's password reset or authenticator reset must
// end, so that whoever held the old factor keeps nothing it bought. The provider's rows carry the
// account in an indexed column (oidc_models.account_id, filled by the adapter), so a sign-out reads
// only that account's rows while it holds the write lock.
import type { Knex } from 'knex';
import { isAccountId } from '../accounts/types.ts';
import { inChunks } from '../db/chunks.ts';
import { readColumn, toCount, toMillisOrNull } from '../db/rows.ts';
import type { Clock } from '../security/clock.ts';
import { SIGNED_OUT_STATE } from '../sign-in/state.ts';
import { queueLogouts } from './backchannel.ts';
import { GRANT_BOUND_MODELS } from './grants.ts';

/** A session that was ended, with the apps it signed in: what back-channel logout tells them. */
export interface EndedSession {
  accountId: string;
  /** Each app the session signed in, with the `sid` its ID tokens carried. */
  apps: Array<{ clientId: string; sid: string | undefined; grantId?: string | undefined }>;
}

export interface SignedOut {
  /** Browser sessions ended: SSO stops, every app's next request asks for a sign-in. */
  sessions: EndedSession[];
  /** Refresh tokens, access tokens and unredeemed codes deleted: the apps' copies stop working. */
  tokens: number;
  /** Back-channel logout tokens queued for the running server to send (backchannel.ts). */
  logoutsQueued: number;
}

/**
 * The account's rows of `models` in oidc_models, as two queries to run in turn (a row is in one or
 * the other): by the indexed account_id, and among rows whose account_id is NULL by the account id
 * in their payload (isAccountId: matching its quoted form is exact). NULL: written by a version before that column (an older instance during a
 * rolling upgrade), or a model that gains its account after its first save, such as an interaction
 * (accountIdOf in adapter-batch.ts): an older instance writing that account leaves the column as it
 * was. Two statements, not one: written as one OR, or as one IN over their
 * UNION, SQLite's planner walked every row of the models instead of the index. An interaction
 * started in one account's session for another account's sign-in is found for the one signing in:
 * its resume signs in that account, not the session's.
 */
export function rowsOfAccount(db: Knex, models: readonly string[], accountId: string): [Knex.QueryBuilder, Knex.QueryBuilder] {
  if (!isAccountId(accountId)) throw new Error('unexpected account id format');
  return [
    db('oidc_models').where('account_id', accountId).whereIn('model', models),
    db('oidc_models').whereNull('account_id').whereIn('model', models).andWhere('payload', 'like', `%"accountId":"${accountId}"%`),
  ];
}

/** Runs `statement` on each of the account's two row queries in turn and joins the answers. */
async function onRowsOfAccount<T>(db: Knex, models: readonly string[], accountId: string, statement: (rows: Knex.QueryBuilder) => Promise<T[]>): Promise<T[]> {
  const [indexed, legacy] = rowsOfAccount(db, models, accountId);
  return [...await statement(indexed), ...await statement(legacy)];
}

/**
 * Ends the account's live sessions (all, or all but `keepSessionId`) and answers what they were.
 * Ended, not deleted: the row blocks a request still in flight on that session from saving it back
 * (the adapter's upsert leaves marked rows alone); the expiry sweep removes it. One statement that
 * marks and returns, so no write lands between reading the sessions and ending them (and a reading
 * transaction on SQLite could not take the write lock after another process wrote).
 */
async function endSessions(db: Knex, clock: Clock, accountId: string, keepSessionId?: string): Promise<EndedSession[]> {
  const rows = await onRowsOfAccount(db, ['Session'], accountId, async (query) => {
    void query.whereNull('consumed_at');
    if (keepSessionId !== undefined) void query.andWhereNot('id', keepSessionId);
    return await query.update({ consumed_at: clock.now() }, ['payload']) as Array<{ payload: string }>;
  });
  return rows.map((row) => ({ accountId, apps: appsOf(row.payload) }));
}

/** The apps a stored session signed in (oidc-provider's `authorizations`, keyed by client id). */
function appsOf(payload: string): EndedSession['apps'] {
  const parsed: unknown = JSON.parse(payload);
  const authorizations = typeof parsed === 'object' && parsed !== null ? (parsed as { authorizations?: unknown }).authorizations : undefined;
  if (typeof authorizations !== 'object' || authorizations === null) return [];
  return Object.entries(authorizations).map(([clientId, value]) => {
    const { sid, grantId } = (typeof value === 'object' && value !== null ? value : {}) as { sid?: unknown; grantId?: unknown };
    return { clientId, sid: typeof sid === 'string' ? sid : undefined, grantId: typeof grantId === 'string' ? grantId : undefined };
  });
}

/** The session a person keeps when they sign out their other devices: its row id and its stable uid. */
export interface KeptSession { id: string; uid: string }

/**
 * Ends every session and sign-in under way of the account and deletes every token issued to it, in
 * one transaction; with `keep`, all but that session and what was issued through it (the person
 * signing out their other devices from the account page). Answers the sessions ended and how many
 * tokens. The account's grants go too (and the consent remembered with them: a third-party app asks
 * again), but those of the kept session: a refresh already under way writes its new tokens after
 * the tokens are deleted here, and a token whose grant is gone is refused everywhere (review: 4 of
 * 20 racing refreshes survived on PostgreSQL while grants were kept). Interactions are ended too: one carries the login result
 * between the last factor and the resume, which is what an attacker holding the old password would
 * otherwise keep open and resume after the reset. The apps that asked for it are told by
 * back-channel logout (queued here, sent by the running server: backchannel.ts).
 */
export async function signOutEverywhere(db: Knex, clock: Clock, accountId: string, keep?: KeptSession): Promise<SignedOut> {
  return db.transaction(async (trx) => {
    // First the account's sign-out count (a write, so this transaction holds SQLite's write lock
    // before it reads anything, and PostgreSQL's lock on the account's row until it commits): a
    // sign-in under way saves its result only while the count is the one it began under, in the
    // statement that saves it (sign-out-guard.ts), so none finishes past this sign-out, whatever
    // became of its progress row (another account's password step in the same interaction
    // re-binds it: review).
    await trx('users').where('id', accountId).increment('sign_out_epoch', 1);
    // Then the sign-ins' progress is marked, and the interaction of each ended below, so their
    // next step (or a resume) stops at once. Marked, not deleted: a finish that finds its row
    // gone was finished by a double submit, no sign-out.
    const states = await trx('interaction_state').where('account_id', accountId).update(SIGNED_OUT_STATE, ['uid']) as Array<{ uid: string }>;
    // Then the interactions, before the sessions and tokens are looked for: those of the marked
    // sign-ins (the same uid), and those whose result or session names the account. A resume
    // already under way saves its session and code, then asks whether its interaction was ended
    // (resumeEnded), so either it sees this mark or the looks below see what it saved. Resumed
    // ones are marked too.
    const ofAccount = await notOfKept(trx, ['Interaction'], accountId, keep, (p) => (p as { session?: { uid?: unknown } }).session?.uid);
    const interactions = [...new Set([...states.map((s) => s.uid), ...ofAccount])];
    await inChunks(interactions, async (ids) => { await endInteractions(trx, clock, ids); });
    const sessions = await endSessions(trx, clock, accountId, keep?.id);
    // Tokens carry the uid of the session they were issued through (oidc-provider's sessionUid).
    const tokenIds = await notOfKept(trx, GRANT_BOUND_MODELS, accountId, keep, (p) => (p as { sessionUid?: unknown }).sessionUid);
    let tokens = 0;
    await inChunks(tokenIds, async (ids) => { tokens += await trx('oidc_models').whereIn('model', GRANT_BOUND_MODELS).whereIn('id', ids).delete(); });
    await endGrants(trx, accountId, keep);
    return { sessions, tokens, logoutsQueued: await queueLogouts(trx, clock, sessions) };
  });
}

/**
 * Ends interactions: consumed (not found any more) and expired now. The expiry is the mark a resume
 * that had already consumed its interaction looks for (resumeEnded); the row itself stays a while
 * past that expiry (ENDED_ROW_GRACE_MS in adapter.ts), so a late save by a finish still in flight
 * cannot revive it (the upsert leaves consumed rows alone: adapter-batch.ts).
 */
async function endInteractions(db: Knex, clock: Clock, ids: readonly string[]): Promise<void> {
  const now = clock.now();
  await db('oidc_models').where('model', 'Interaction').whereIn('id', ids)
    .update({ consumed_at: db.raw('coalesce(consumed_at, ?)', [now]), expires_at: now });
}

/**
 * Whether a resume's interaction was ended by a sign-out after the resume had consumed it: asked
 * once the resume has saved its session and code (src/provider/resume-check.ts). A sign-out marks
 * interactions before it looks for sessions and tokens, so a mark this misses comes from a sign-out
 * that will find what the resume saved. Expired or gone (swept: only long after its expiry) both
 * count as ended. On PostgreSQL the row is read FOR SHARE, so a sign-out that has marked it but not
 * yet committed is waited for; SQLite runs one write transaction at a time, and the resume's writes
 * before this read waited for any sign-out that held the lock.
 */
export async function resumeEnded(db: Knex, clock: Clock, interactionId: string): Promise<boolean> {
  const query = db('oidc_models').where({ model: 'Interaction', id: interactionId }).first('expires_at');
  if (db.client.config.client === 'pg') void query.forShare();
  const row = await query as { expires_at: number | string | null } | undefined;
  if (row === undefined) return true;
  const expiresAt = toMillisOrNull(row.expires_at);
  return expiresAt !== null && expiresAt <= clock.now();
}

/**
 * The account a live stored session belongs to, with its sign-out count now, or undefined (no such
 * session, ended, or no account): read before a request that may save the session under a new id,
 * to compare with signOutCountNow after it (src/provider/logout-check.ts).
 */
export async function sessionAccountCount(db: Knex, sessionId: string): Promise<{ accountId: string; count: number } | undefined> {
  const row = await db('oidc_models as s').join('users as u', 'u.id', 's.account_id')
    .where({ 's.model': 'Session', 's.id': sessionId }).whereNull('s.consumed_at')
    .first('u.id as accountId', 'u.sign_out_epoch as count') as { accountId: string; count: number | string } | undefined;
  return row === undefined ? undefined : { accountId: row.accountId, count: readColumn('users', row.accountId, 'sign_out_epoch', () => toCount(row.count)) };
}

/**
 * Ends one session of the account, by its uid, with every token issued through it: what a resume
 * saved after a sign-out it raced with had looked (resume-check.ts). Grants stay: without a session
 * or tokens they give nothing, and one may be shared with a session the sign-out kept.
 */
export async function endSessionByUid(db: Knex, clock: Clock, accountId: string, sessionUid: string): Promise<void> {
  await db.transaction(async (trx) => {
    // The account's session only: a resume that found the browser signed in as someone else leaves that session as it is.
    await onRowsOfAccount(trx, ['Session'], accountId, async (q) => [await q.where('uid', sessionUid).whereNull('consumed_at').update({ consumed_at: clock.now() })]);
    const rows = await onRowsOfAccount(trx, GRANT_BOUND_MODELS, accountId, (q) => q.select('id', 'payload') as Promise<Array<{ id: string; payload: string }>>);
    const ids = rows.filter((r) => (JSON.parse(r.payload) as { sessionUid?: unknown }).sessionUid === sessionUid).map((r) => r.id);
    await inChunks(ids, async (chunk) => { await trx('oidc_models').whereIn('model', GRANT_BOUND_MODELS).whereIn('id', chunk).delete(); });
  });
}

/** Deletes the account's grants, but those the kept session holds, with the consent remembered for them. */
async function endGrants(db: Knex, accountId: string, keep: KeptSession | undefined): Promise<void> {
  const kept = new Set<string>();
  if (keep !== undefined) {
    const row = await db('oidc_models').where({ model: 'Session', id: keep.id }).first('payload') as { payload: string } | undefined;
    for (const app of row ? appsOf(row.payload) : []) if (app.grantId) kept.add(app.grantId);
  }
  const grants = (await onRowsOfAccount(db, ['Grant'], accountId, (q) => q.select('id') as Promise<Array<{ id: string }>>)).map((g) => g.id).filter((id) => !kept.has(id));
  await inChunks(grants, async (chunk) => {
    await db('oidc_models').where('model', 'Grant').whereIn('id', chunk).delete();
    await db('remembered_grants').where('account_id', accountId).whereIn('grant_id', chunk).delete();
  });
}

/** Ids of the account's rows of `models`, but those whose payload names the kept session's uid (all ids without `keep`). */
async function notOfKept(db: Knex, models: readonly string[], accountId: string, keep: KeptSession | undefined, uidOf: (payload: unknown) => unknown): Promise<string[]> {
  const rows = await onRowsOfAccount(db, models, accountId, (q) => q.select('id', 'payload') as Promise<Array<{ id: string; payload: string }>>);
  return rows.filter((r) => keep === undefined || uidOf(JSON.parse(r.payload)) !== keep.uid).map((r) => r.id);
}

/** The audit record's account of a sign-out. */
export const signedOutDetail = (out: SignedOut) => ({ sessionsEnded: out.sessions.length, tokensRevoked: out.tokens, logoutsQueued: out.logoutsQueued });
