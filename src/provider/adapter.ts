// oidc-provider's storage: every model (Session, Grant, AccessToken, Client, ...) lives in one
// table, oidc_models, keyed by (model, id), with the payload as JSON and the columns the
// provider looks rows up by copied out of it. Contract: notes/oidc-provider.md §6.
import type { Knex } from 'knex';
import { errors, type Adapter, type AdapterConstructor, type AdapterPayload } from 'oidc-provider';
import { sqlRunner } from '../db/prepared.ts';
import { accountIdOf, ENDED_NOT_DELETED, findBatcher, upsertBatcher } from './adapter-batch.ts';
import { toMillisOrNull } from '../db/rows.ts';
import { IdpError } from '../errors.ts';
import { deleteClient } from './grants.ts';
import { GUARD_HOLDS_SQL, guardedInteractionSaveSql, guardOf, SignedOutDuringSignIn } from './sign-out-guard.ts';
import type { Clock } from '../security/clock.ts';

interface OidcModelRow {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: number | string | null;
  consumed_at: number | string | null;
}
type FoundByColumn = Pick<OidcModelRow, 'payload' | 'expires_at' | 'consumed_at'>;

// Saves and lookups by id, the hot path, are batched (group commit, adapter-batch.ts); the
// rarer lookups by uid or user code and every other write run alone, with fixed SQL, so each
// statement is prepared once per connection (src/db/prepared.ts).
const FIND_BY: Record<'uid' | 'user_code', string> = {
  // Only sessions are looked up by uid, and a session keeps its uid when its id is replaced at a
  // sign-in: the ended row (old id) and the live one share it, so only the live one may answer.
  uid: 'select payload, expires_at, consumed_at from oidc_models where model = ? and uid = ? and consumed_at is null limit 1',
  user_code: 'select payload, expires_at, consumed_at from oidc_models where model = ? and user_code = ? limit 1',
};
const CONSUME = 'update oidc_models set consumed_at = ? where model = ? and id = ? and consumed_at is null';
/**
 * Ends a session or an interaction: the row stays, marked, until its expiry sweeps it, so no late
 * save revives it (the upsert's conflict rule in adapter-batch.ts leaves marked rows alone).
 */
const END = 'update oidc_models set consumed_at = ? where model = ? and id = ? and consumed_at is null';

export interface AdapterOptions {
  /**
   * When a stored session must end whatever its row's expiry says, in ms (the absolute lifetime
   * from the sign-in), or undefined for none. Checked on every read: a session re-saved with the
   * provider's minimum ttl of 1 s in its last second would otherwise live on, one second at a time.
   */
  sessionEndsAt?: (payload: AdapterPayload) => number | undefined;
}

/** A class for oidc-provider's `adapter` option; the provider constructs one per model name. */
export function createAdapterClass(db: Knex, clock: Clock, options: AdapterOptions = {}): AdapterConstructor {
  const table = () => db<OidcModelRow>('oidc_models');
  const sql = sqlRunner(db);
  // Calls that are not awaited in turn (different requests) run concurrently, batched or not, as
  // they did before on PostgreSQL's pool: oidc-provider awaits each call of one request.
  const saves = upsertBatcher(sql);
  const GUARDED_SAVE = guardedInteractionSaveSql(db.client.config.client === 'pg');
  const find = findBatcher(sql);

  return class KnexAdapter implements Adapter {
    readonly model: string;

    constructor(name: string) {
      this.model = name;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      // undefined expiresIn means no expiry (DCR clients, initial access tokens without expiresIn).
      const expiresAt = expiresIn === undefined ? null : clock.now() + expiresIn * 1000;
      const row = {
        model: this.model, id, payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null, uid: payload.uid ?? null, userCode: payload.userCode ?? null,
        accountId: accountIdOf(this.model, payload), expiresAt,
      };
      const guard = this.model === 'Interaction' ? guardOf(payload) : undefined;
      if (guard === undefined) return saves.push(row);
      // A sign-in's result: saved only while its account was not signed out since it began (sign-out-guard.ts).
      const saved = await sql.run(GUARDED_SAVE, [row.payload, row.grantId, row.uid, row.userCode, row.accountId, row.expiresAt, id, guard.accountId, guard.epoch]);
      if (saved === 0) {
        // Either the account was signed out since the sign-in began (which also ends the
        // interaction of a sign-in it marked: asked first), or the interaction ended for another
        // reason (resumed by a double submit, expired: as a save of it always did, nothing to refuse).
        if ((await sql.all(GUARD_HOLDS_SQL, [guard.accountId, guard.epoch])).length === 0) throw new SignedOutDuringSignIn();
        throw new errors.SessionNotFound('the interaction ended before its result was saved');
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const row = await find({ model: this.model, id });
      return row === undefined ? undefined : this.fromRow(row);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findBy('uid', uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findBy('user_code', userCode);
    }

    /**
     * Compare-and-set: of two requests redeeming one code (or rotating one refresh token) at the
     * same moment, both read it unused, but only one marks it used here; the other is refused
     * before any token is issued (RFC 6749 §4.1.2: a code works once; found by the attack suite).
     */
    async consume(id: string): Promise<void> {
      const updated = await sql.run(CONSUME, [clock.now(), this.model, id]);
      if (updated === 0) {
        throw this.model === 'PushedAuthorizationRequest'
          ? new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used')
          : new errors.InvalidGrant(`${this.model === 'RefreshToken' ? 'refresh token' : 'grant'} already used`);
      }
    }

    async destroy(id: string): Promise<void> {
      if (ENDED_NOT_DELETED.has(this.model)) await sql.run(END, [clock.now(), this.model, id]);
      // A client deleted by its registrant (RFC 7592 §2.3) takes its grants and tokens along, the
      // same way the CLI's client remove does (deleteClient in grants.ts).
      else if (this.model === 'Client') await deleteClient(db, id);
      else await table().where({ model: this.model, id }).delete();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await table().where({ model: this.model, grant_id: grantId }).delete();
    }

    private async findBy(column: keyof typeof FIND_BY, value: string): Promise<AdapterPayload | undefined> {
      const [row] = await sql.all<FoundByColumn>(FIND_BY[column], [this.model, value]);
      return row === undefined ? undefined : this.fromRow(row);
    }

    /** What the provider may see of a stored row: nothing once it has expired or its session ended. */
    private fromRow(row: FoundByColumn): AdapterPayload | undefined {
      // Expired rows stay until the sweep; to the provider they are already gone.
      const expiresAt = toMillisOrNull(row.expires_at);
      if (expiresAt !== null && expiresAt <= clock.now()) return undefined;
      const consumedAt = toMillisOrNull(row.consumed_at);
      if (consumedAt !== null && ENDED_NOT_DELETED.has(this.model)) return undefined;
      const payload = parsePayload(row.payload, this.model);
      if (this.model === 'Session' && options.sessionEndsAt) {
        const end = options.sessionEndsAt(payload);
        if (end !== undefined && end <= clock.now()) return undefined;
      }
      // The provider only tests truthiness; it stores seconds itself, so give seconds.
      if (consumedAt !== null) payload.consumed = Math.floor(consumedAt / 1000);
      return payload;
    }
  };
}

function parsePayload(json: string, model: string): AdapterPayload {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IdpError('internal', `stored ${model} payload is not a JSON object`);
  }
  return value as AdapterPayload;
}

// Throttle rows are kept for a day after the last failure: long enough for any lockout window,
// short enough that the table does not grow with every address that ever mistyped a password.
export const THROTTLE_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * How long an ended session or interaction (ENDED_NOT_DELETED) outlives its expiry before the sweep
 * removes it. A sign-out expires the interactions it ends at once (the mark a resume looks for,
 * account-sign-out.ts), and a request still in flight on one (a double-submitted last step) saves
 * it a moment later: with the row just swept, that save inserted it anew, login result and all
 * (review). Found by the provider or not, an expired row is gone to it (fromRow).
 */
export const ENDED_ROW_GRACE_MS = 10 * 60 * 1000;
const ENDED_MODELS = [...ENDED_NOT_DELETED];

/** Deletes expired provider models, finished login state and stale throttle rows; returns how many. */
export async function deleteExpiredRows(db: Knex, nowMs: number): Promise<number> {
  const models = await db('oidc_models').whereNotNull('expires_at').andWhere((q) => {
    void q.where((others) => { void others.whereNotIn('model', ENDED_MODELS).andWhere('expires_at', '<=', nowMs); })
      .orWhere('expires_at', '<=', nowMs - ENDED_ROW_GRACE_MS);
  }).delete();
  const states = await db('interaction_state').where('expires_at', '<=', nowMs).delete();
  const accountStates = await db('account_page_state').where('expires_at', '<=', nowMs).delete();
  const throttles = await db('throttle').where('last_failure_at', '<', nowMs - THROTTLE_RETENTION_MS).delete();
  return models + states + accountStates + throttles;
}

/** Sweeps expired rows every `intervalMs` without keeping the process alive; returns a stop function. */
export function startExpiryCleanup(
  db: Knex,
  clock: Clock,
  intervalMs: number,
  onError: (err: unknown) => void = (err) => console.error('expired-row cleanup failed', err),
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a slow sweep must not pile up behind itself
    running = true;
    deleteExpiredRows(db, clock.now())
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
