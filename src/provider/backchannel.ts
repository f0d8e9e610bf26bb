// Back-channel logout (OpenID Connect Back-Channel Logout 1.0) for sessions that end outside the
// provider's own logout endpoint: "sign me out everywhere else" on the account page, and the
// operator's password or two-step reset. oidc-provider notifies the apps only from its end-session
// endpoint; an app that registered a backchannel_logout_uri must hear of these ends too, or it keeps
// its own session for someone the IdP has just signed out.
// Whoever ends the sessions queues one row per app to tell (backchannel_logouts), in the same
// transaction; the running server sends them with its own provider (its issuer, its keys, its
// network), retries an app that is down, and deletes the row once the app has answered 200.
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '../log.ts';
import type { Clock } from '../security/clock.ts';
import type { EndedSession } from './account-sign-out.ts';

/** What oidc-provider's Client has and its type declarations leave out. */
interface NotifiableClient {
  backchannelLogoutUri?: string | undefined;
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
}

interface QueuedRow { id: number; client_id: string; account_id: string; sid: string | null; next_attempt_at: number | string; attempts: number; last_error: string | null }

/**
 * Queues a logout token for every app with a back-channel logout URI that one of `sessions` signed
 * in; run it in the transaction that ends them, so neither happens without the other. Answers how
 * many were queued.
 */
export async function queueLogouts(db: Knex, clock: Clock, sessions: readonly EndedSession[]): Promise<number> {
  const clientIds = [...new Set(sessions.flatMap((s) => s.apps.map((a) => a.clientId)))];
  if (clientIds.length === 0) return 0;
  // The stored client metadata (snake_case, as the registry and registration write it).
  const clients = await db('oidc_models').where('model', 'Client').whereIn('id', clientIds).select('id', 'payload') as Array<{ id: string; payload: string }>;
  const wanting = new Set(clients.filter((c) => typeof (JSON.parse(c.payload) as { backchannel_logout_uri?: unknown }).backchannel_logout_uri === 'string').map((c) => c.id));
  const now = clock.now();
  const rows = sessions.flatMap((s) => s.apps.filter((a) => wanting.has(a.clientId)).map((a) => ({
    client_id: a.clientId, account_id: s.accountId, sid: a.sid ?? null, created_at: now, next_attempt_at: now, attempts: 0,
  })));
  // A session signs in a handful of apps; chunks keep far below SQLite's bound-variable limit.
  for (let i = 0; i < rows.length; i += 100) await db('backchannel_logouts').insert(rows.slice(i, i + 100));
  return rows.length;
}

/** How long an app that failed waits for the next try, by the number of tries so far; then it is dropped. */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 5 * 60_000, 30 * 60_000];
/** A row being sent is out of others' reach this long: a server that dies mid-send leaves it to another. */
export const SEND_LEASE_MS = 60_000;
const BATCH = 20;

/** When to try again after `attempts` failed tries, or undefined to give up. */
export function nextAttemptAt(attempts: number, now: number): number | undefined {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? undefined : now + delay;
}

export interface SendReport { sent: number; failed: number; dropped: number }

export interface LogoutSender {
  /** Sends what is due now; answers what happened. Used by the timer, and by tests. */
  sendDue(): Promise<SendReport>;
  /** Sends what is due soon, without waiting (after this process queued some). */
  kick(): void;
  /** Sends what is due every `intervalMs` (queued by another process, or due for a retry); returns the stop, which waits for a send in flight. */
  start(intervalMs: number): () => Promise<void>;
}

export function createLogoutSender(deps: { db: Knex; clock: Clock; provider: () => Provider; logger: Logger }): LogoutSender {
  const { db, clock, logger } = deps;
  const table = () => db<QueuedRow>('backchannel_logouts');

  async function sendOne(row: Omit<QueuedRow, 'last_error'>): Promise<keyof SendReport | undefined> {
    const now = clock.now();
    // Claimed by moving its next attempt past the lease, compare-and-set: of several servers, one sends.
    const claimed = await table().where({ id: row.id, next_attempt_at: row.next_attempt_at })
      .update({ next_attempt_at: now + SEND_LEASE_MS, attempts: row.attempts + 1 });
    if (claimed === 0) return undefined;
    const fields: Record<string, string | number> = { clientId: row.client_id, attempt: row.attempts + 1 };
    try {
      // Inside the try: a client whose stored metadata cannot be read fails like an app that is
      // down (retried, then dropped), instead of keeping its row claimed and retried forever.
      const client = (await deps.provider().Client.find(row.client_id)) as unknown as NotifiableClient | undefined;
      // Removed since, or its URI taken away: nobody to tell.
      if (!client?.backchannelLogoutUri || typeof client.backchannelLogout !== 'function') {
        await table().where('id', row.id).delete();
        return 'dropped';
      }
      fields['uri'] = client.backchannelLogoutUri;
      await client.backchannelLogout(row.account_id, row.sid ?? undefined);
      await table().where('id', row.id).delete();
      logger.info('back-channel logout sent', fields);
      return 'sent';
    } catch (err) {
      const error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
      const next = nextAttemptAt(row.attempts + 1, clock.now());
      if (next === undefined) {
        await table().where('id', row.id).delete();
        logger.error('back-channel logout given up: the app still thinks the person is signed in', { ...fields, error });
        return 'dropped';
      }
      await table().where('id', row.id).update({ next_attempt_at: next, last_error: error });
      logger.warn('back-channel logout failed; will try again', { ...fields, error, nextAttemptAt: new Date(next).toISOString() });
      return 'failed';
    }
  }

  async function sendDue(): Promise<SendReport> {
    const report: SendReport = { sent: 0, failed: 0, dropped: 0 };
    const due = await table().where('next_attempt_at', '<=', clock.now()).orderBy('id').limit(BATCH)
      .select('id', 'client_id', 'account_id', 'sid', 'next_attempt_at', 'attempts');
    // Each call is bounded by the provider's HTTP timeout, so a slow app does not hold the others.
    for (const outcome of await Promise.all(due.map(sendOne))) if (outcome) report[outcome]++;
    return report;
  }

  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const loop = async () => {
    do {
      again = false;
      try {
        const { sent, failed, dropped } = await sendDue();
        // A full batch may have more due behind it (a failure waits for its retry time, so no spin).
        if (sent + failed + dropped === BATCH) again = true;
      } catch (err) {
        logger.error('back-channel logout queue failed', { error: err instanceof Error ? err : String(err) });
      }
    } while (again && !stopped);
    running = undefined;
  };
  const kick = () => {
    if (stopped) return; // the database is closing; what is queued waits for the next start
    if (running) again = true;
    else running = loop();
  };
  return {
    sendDue,
    kick,
    start(intervalMs) {
      const timer = setInterval(kick, intervalMs);
      timer.unref();
      return async () => {
        clearInterval(timer);
        stopped = true;
        again = false;
        await running;
      };
    },
  };
}
