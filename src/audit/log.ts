// The security audit trail: who did what, from where, when. Detail values are flat scalars so
// that nobody is tempted to log a whole request (and with it a password or code).
import type { Knex } from 'knex';
import { sqlRunner, type SqlValue } from '../db/prepared.ts';
import { readColumn, toMillis } from '../db/rows.ts';
import { IdpError } from '../errors.ts';
import type { Clock } from '../security/clock.ts';
import type { Logger } from '../log.ts';

export const AUDIT_EVENTS = [
  'login.password.success',
  'login.password.failure',
  'login.success',
  'login.refused',
  'login.throttled',
  'totp.enrolled',
  'totp.success',
  'totp.failure',
  'totp.reset',
  'totp.disabled',
  'recovery_codes.regenerated',
  'account.confirmed',
  'account.confirm_failed',
  'password.changed',
  'sessions.ended',
  'consent.given',
  'consent.revoked',
  'recovery_code.used',
  'user.created',
  'user.updated',
  'user.disabled',
  'user.enabled',
  'user.password_set',
  'user.unlocked',
  'client.created',
  'client.updated',
  'client.secret_rotated',
  'client.removed',
  'registration_token.created',
  'registration_token.revoked',
  'keys.rotated',
  'keys.removed',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export function isAuditEvent(value: string): value is AuditEvent {
  return (AUDIT_EVENTS as readonly string[]).includes(value);
}

export type AuditDetail = Record<string, string | number | boolean | null>;

export interface AuditRecord {
  event: AuditEvent;
  userId?: string | undefined;
  username?: string | undefined;
  ip?: string | undefined;
  clientId?: string | undefined;
  detail?: AuditDetail | undefined;
}

export interface AuditEntry {
  id: number;
  at: Date;
  event: AuditEvent;
  userId: string | null;
  username: string | null;
  ip: string | null;
  clientId: string | null;
  detail: AuditDetail | null;
}

export interface AuditLog {
  record(entry: AuditRecord): Promise<void>;
  /** Several records in one insert (one database round trip), in this order; all or none are written. */
  recordAll(entries: readonly AuditRecord[]): Promise<void>;
  /** Newest first; `limit` defaults to 100 and is capped at 1000. */
  list(filter?: { userId?: string; limit?: number }): Promise<AuditEntry[]>;
}

interface AuditRow {
  id: number;
  at: number | string;
  event: string;
  user_id: string | null;
  username: string | null;
  ip: string | null;
  client_id: string | null;
  detail: string | null;
}

// Two records per sign-in: fixed SQL, prepared once per number of rows (src/db/prepared.ts,
// docs/performance.md). One statement is atomic, so a batch is written whole or not at all.
const insertSql = (rows: number) => `insert into audit_log (at, event, user_id, username, ip, client_id, detail) values ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
const INSERT = insertSql(1);

function rowValues(at: number, entry: AuditRecord): SqlValue[] {
  return [at, entry.event, entry.userId ?? null, entry.username ?? null, entry.ip ?? null, entry.clientId ?? null, entry.detail === undefined ? null : JSON.stringify(entry.detail)];
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export function createAuditLog(db: Knex, clock: Clock): AuditLog {
  const rows = () => db<AuditRow>('audit_log');
  const sql = sqlRunner(db);
  return {
    async record(entry) {
      await sql.run(INSERT, rowValues(clock.now(), entry));
    },
    async recordAll(entries) {
      if (entries.length === 0) return;
      const at = clock.now();
      // Rows get ascending ids in the order given, which list() uses to order same-millisecond entries.
      await sql.run(insertSql(entries.length), entries.flatMap((entry) => rowValues(at, entry)));
    },
    async list(filter = {}) {
      const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
      // id breaks ties between entries written in the same millisecond.
      const query = rows().orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit);
      if (filter.userId !== undefined) query.where('user_id', filter.userId);
      return (await query).map(toEntry);
    },
  };
}

function toEntry(row: AuditRow): AuditEntry {
  if (!isAuditEvent(row.event)) {
    throw new IdpError('internal', `the audit_log row ${row.id} has an unreadable event (${String(row.event).slice(0, 40)})`, { detail: { id: row.id, event: row.event } });
  }
  return {
    id: row.id,
    at: new Date(readColumn('audit_log', row.id, 'at', () => toMillis(row.at))),
    event: row.event,
    userId: row.user_id,
    username: row.username,
    ip: row.ip,
    clientId: row.client_id,
    detail: row.detail === null ? null : parseDetail(row.detail),
  };
}

/**
 * The stored detail; one that is no JSON (a row edited by hand) is shown as the text it is rather
 * than failing every listing it is part of: the audit trail stays readable around it.
 */
function parseDetail(json: string): AuditDetail {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { unreadable: json.slice(0, 200) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const detail: AuditDetail = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') detail[key] = v;
  }
  return detail;
}

/**
 * The audit log, with each record that could not be stored written to the server log instead
 * (one error line per record, its fields as they would have been stored), so a database failure
 * does not erase who tried what: the request still fails as before. Records hold no secrets (the
 * detail is flat scalars by design, and the logger redacts secret-looking fields anyway).
 */
export function keepInLogOnFailure(audit: AuditLog, logger: Logger): AuditLog {
  const logged = (entries: readonly AuditRecord[], err: unknown) => {
    for (const entry of entries) {
      logger.error('audit record not stored; kept here', { event: entry.event, userId: entry.userId, username: entry.username, ip: entry.ip, clientId: entry.clientId, detail: entry.detail, error: err instanceof Error ? err.message : String(err) });
    }
  };
  return {
    async record(entry) {
      try {
        await audit.record(entry);
      } catch (err) {
        logged([entry], err);
        throw err;
      }
    },
    async recordAll(entries) {
      try {
        await audit.recordAll(entries);
      } catch (err) {
        logged(entries, err);
        throw err;
      }
    },
    list: (filter) => audit.list(filter),
  };
}
