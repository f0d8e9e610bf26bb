// Column conversions shared by the stores: the two databases hand back the same columns in
// different JavaScript types.
import { IdpError } from '../errors.ts';

/** A bigint column: node-postgres returns int8 as a string (it may exceed 2^53), SQLite a number. */
export function toMillis(value: number | string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a millisecond timestamp: ${String(value)}`);
  return n;
}

/**
 * A column value read with `convert`; a value that does not convert (a row edited by hand, a bad
 * restore) is reported naming the table, the row and the column, so the operator can find and mend
 * it, instead of an unexpected error that names neither (ops review).
 */
export function readColumn<T>(table: string, id: string | number, column: string, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new IdpError('internal', `the ${table} row ${String(id)} has an unreadable ${column} (${reason.slice(0, 120)})`);
  }
}

/**
 * A counter column (an integer from 0): a number from both databases, or a string of digits. Only
 * digits: Number() reads '' and '  ' as 0 and '0x1' as 1, values SQL compares as text, never equal
 * to the count they were read as.
 */
export function toCount(value: number | string): number {
  const n = typeof value === 'number' ? value : /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`not a count: ${String(value).slice(0, 40)}`);
  return n;
}

export function toMillisOrNull(value: number | string | null): number | null {
  return value === null ? null : toMillis(value);
}

/** A boolean column: PostgreSQL returns true/false, SQLite 1/0. */
export function toBoolean(value: boolean | number): boolean {
  return value === true || value === 1;
}

/**
 * What a unique-constraint violation names, or undefined when `err` is none. PostgreSQL: code 23505
 * and the constraint's name. SQLite: only the message, "UNIQUE constraint failed: users.email_lower",
 * which knex prefixes with the SQL text (naming every column), so match after the marker.
 */
export function uniqueViolationOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, constraint } = err as Error & { code?: unknown; constraint?: unknown };
  if (code === '23505') return typeof constraint === 'string' ? constraint : '';
  if (code === 'SQLITE_CONSTRAINT') return /UNIQUE constraint failed: (.*)$/.exec(err.message)?.[1];
  return undefined;
}
