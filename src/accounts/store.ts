// The users table behind one small interface. Usernames and emails are unique case-insensitively
// through their lower-cased copies; login accepts either, so neither may equal another
// account's username or email.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { lookupBatcher, placeholders, sqlBySize } from '../db/batcher.ts';
import { sqlRunner } from '../db/prepared.ts';
import { readColumn, toBoolean, toCount, toMillis, uniqueViolationOf } from '../db/rows.ts';
import { IdpError } from '../errors.ts';
import type { Clock } from '../security/clock.ts';
import { isRole, type NewUser, type Role, type User } from './types.ts';

export interface UserRow {
  id: string;
  username: string;
  username_lower: string;
  email: string;
  email_lower: string;
  name: string;
  role: string;
  password_hash: string;
  disabled: boolean | number;
  sign_out_epoch: number | string;
  created_at: number | string;
  updated_at: number | string;
}

// Read on every sign-in request: fixed SQL, prepared once (src/db/prepared.ts, docs/performance.md).
const COLUMN_NAMES = ['id', 'username', 'username_lower', 'email', 'email_lower', 'name', 'role', 'password_hash', 'disabled', 'sign_out_epoch', 'created_at', 'updated_at'] as const;
const USER_COLUMNS = COLUMN_NAMES.join(', ');
/** The columns `userFromRow` reads, qualified by a table alias: for a join that reads a user along. */
export const userColumnsOf = (alias: string): string => COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', ');
// By id is also what every token request with a user behind it asks (findAccount): those that wait
// together go as one statement (group commit, src/db/batcher.ts).
const byIds = sqlBySize((n) => `select ${USER_COLUMNS} from users where id in (${placeholders(n)})`);
const BY_LOGIN = `select ${USER_COLUMNS} from users where username_lower = ? or email_lower = ? limit 2`;

export interface AccountStore {
  create(user: NewUser): Promise<User>;
  findById(id: string): Promise<User | undefined>;
  findByUsername(username: string): Promise<User | undefined>;
  /** By username or email, case-insensitively. */
  findByLogin(usernameOrEmail: string): Promise<User | undefined>;
  /** Ordered by username, case-insensitively. */
  list(filter?: { role?: Role }): Promise<User[]>;
  /**
   * A new password (a reset, the account page's change). It also moves the account's sign-out
   * count on, so a sign-in under way with the old password does not finish, even when its finish
   * has already passed its check (src/provider/sign-out-guard.ts), whether or not the change also
   * signs the account out elsewhere.
   */
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  /**
   * The sign-in's upgrade of a hash to stronger parameters: writes `passwordHash` only while the
   * stored hash is still `checked`, the one the password was just verified against. False when it
   * changed meanwhile (a reset, a password change): that password is not put back over it.
   */
  upgradePasswordHash(id: string, checked: string, passwordHash: string): Promise<boolean>;
  setDisabled(id: string, disabled: boolean): Promise<void>;
  setRole(id: string, role: Role): Promise<void>;
}

// toLowerCase, not toLocaleLowerCase: the key must not depend on the server's locale.
const fold = (s: string): string => s.toLowerCase();

export function createAccountStore(db: Knex, clock: Clock): AccountStore {
  const users = () => db<UserRow>('users');
  const sql = sqlRunner(db);
  const byId = lookupBatcher((ids) => sql.all<UserRow>(byIds(ids.length), ids), (row) => row.id);

  async function update(id: string, changes: Partial<UserRow>): Promise<void> {
    const count = await users().where('id', id).update({ ...changes, updated_at: clock.now() });
    if (count === 0) throw new IdpError('not_found', 'no such user', { detail: { userId: id } });
  }

  return {
    async create(user) {
      const usernameLower = fold(user.username);
      const emailLower = fold(user.email);
      await assertLoginsFree(db, user, usernameLower, emailLower);
      const now = clock.now();
      const row: UserRow = {
        id: randomUUID(),
        username: user.username,
        username_lower: usernameLower,
        email: user.email,
        email_lower: emailLower,
        name: user.name,
        role: user.role,
        password_hash: user.passwordHash,
        disabled: false,
        sign_out_epoch: 0,
        created_at: now,
        updated_at: now,
      };
      try {
        await users().insert(row);
      } catch (err) {
        // Lost a race with another create between the check and the insert.
        throw uniqueViolationToConflict(err, user);
      }
      return toUser(row);
    },
    async findById(id) {
      return optionalUser(await byId.push(id));
    },
    async findByUsername(username) {
      return optionalUser(await users().where('username_lower', fold(username)).first());
    },
    async findByLogin(usernameOrEmail) {
      const key = fold(usernameOrEmail);
      const rows = await sql.all<UserRow>(BY_LOGIN, [key, key]);
      // create() keeps usernames and emails apart, so two matches only follow a lost race; the
      // username match wins, as the exact kind of identifier.
      return optionalUser(rows.find((r) => r.username_lower === key) ?? rows[0]);
    },
    async list(filter = {}) {
      const query = users().orderBy([{ column: 'username_lower' }, { column: 'id' }]);
      if (filter.role !== undefined) query.where('role', filter.role);
      return (await query).map(toUser);
    },
    async setPasswordHash(id, passwordHash) {
      const count = await users().where('id', id).update({ password_hash: passwordHash, updated_at: clock.now() }).increment('sign_out_epoch', 1);
      if (count === 0) throw new IdpError('not_found', 'no such user', { detail: { userId: id } });
    },
    async upgradePasswordHash(id, checked, passwordHash) {
      return (await users().where({ id, password_hash: checked }).update({ password_hash: passwordHash, updated_at: clock.now() })) === 1;
    },
    setDisabled: (id, disabled) => update(id, { disabled }),
    setRole: (id, role) => update(id, { role }),
  };
}

async function assertLoginsFree(db: Knex, user: NewUser, usernameLower: string, emailLower: string): Promise<void> {
  const keys = [usernameLower, emailLower];
  const taken = await db<UserRow>('users')
    .whereIn('username_lower', keys)
    .orWhereIn('email_lower', keys)
    .select('username_lower', 'email_lower');
  if (taken.some((r) => r.username_lower === usernameLower || r.email_lower === usernameLower)) {
    throw new IdpError('conflict', `the username "${user.username}" is already taken`);
  }
  if (taken.length > 0) {
    throw new IdpError('conflict', `the email address "${user.email}" is already in use`);
  }
}

// A lost race on the username or email key (users_username_lower_unique / users_email_lower_unique)
// becomes a clear conflict naming which.
function uniqueViolationToConflict(err: unknown, user: NewUser): unknown {
  const key = uniqueViolationOf(err);
  if (key === undefined) return err;
  const message = key.includes('email_lower')
    ? `the email address "${user.email}" is already in use`
    : `the username "${user.username}" is already taken`;
  return new IdpError('conflict', message, { cause: err });
}

function optionalUser(row: UserRow | undefined): User | undefined {
  return row === undefined ? undefined : toUser(row);
}

export function toUser(row: UserRow): User {
  if (!isRole(row.role)) {
    throw new IdpError('internal', `the users row ${row.id} has an unreadable role (${String(row.role).slice(0, 40)})`, { detail: { userId: row.id, role: row.role } });
  }
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    disabled: toBoolean(row.disabled),
    signOutEpoch: readColumn('users', row.id, 'sign_out_epoch', () => toCount(row.sign_out_epoch)),
    createdAt: new Date(readColumn('users', row.id, 'created_at', () => toMillis(row.created_at))),
    updatedAt: new Date(readColumn('users', row.id, 'updated_at', () => toMillis(row.updated_at))),
  };
}

/**
 * The account's sign-out count now (undefined: the account is gone). On PostgreSQL the row is read
 * FOR SHARE: a sign-out bumps it first and holds it until it commits, so one under way is waited
 * for; on SQLite a sign-out's writes and the session save before this read are one at a time.
 */
export async function signOutCountNow(db: Knex, accountId: string): Promise<number | undefined> {
  const query = db('users').where('id', accountId).first('sign_out_epoch as count');
  if (db.client.config.client === 'pg') void query.forShare();
  const row = await query as { count: number | string } | undefined;
  return row === undefined ? undefined : readColumn('users', accountId, 'sign_out_epoch', () => toCount(row.count));
}
