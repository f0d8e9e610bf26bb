// What a command works with once its arguments are valid: the server's config, the database
// (migrated first, so a first `user add` works in a fresh DATA_DIR) and the same stores the server uses.
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { AccountStore } from '../accounts/store.ts';
import type { AuditDetail, AuditLog } from '../audit/log.ts';
import type { Config } from '../config/schema.ts';
import type { Secrets } from '../config/secrets.ts';
import type { ClientRegistry } from '../provider/clients.ts';
import type { Clock } from '../security/clock.ts';
import type { PasswordHasher } from '../security/password-hashing.ts';
import type { CliIo } from './command.ts';

export interface CliContext {
  config: Config;
  db: Knex;
  clock: Clock;
  accounts: AccountStore;
  audit: AuditLog;
  hasher: PasswordHasher;
  /**
   * The server's keys, resolved on first use exactly as the server does: from the environment in
   * production, else DATA_DIR/secrets.json (created when missing). Only commands that decrypt or
   * delete a second factor, or validate a client, ask: reading users needs no keys.
   */
  secrets(): Secrets;
  /** Loaded on first use: it brings in oidc-provider (only to validate), which user commands do not need. */
  clients(): Promise<ClientRegistry>;
  /**
   * The server's oidc-provider, built on first use from its configuration and keys; it never serves
   * a request here. For client validation and the models it issues (initial access tokens).
   */
  provider(): Promise<Provider>;
  /** Migrations this run applied, oldest first. */
  migrated: string[];
  /** Who acted, for every audit record the CLI writes. */
  actor: AuditDetail;
}

export interface ContextOptions {
  /** Print applied migrations on stderr (the migrate command reports them itself). */
  announceMigrations?: boolean;
  /** Migrate even with MIGRATE_ON_START=false: the migrate command, which exists for that setting. */
  alwaysMigrate?: boolean;
  /** Neither migrate nor check: `migrate --unlock`, which must work while a stale lock blocks migrating. */
  skipMigrations?: boolean;
  /**
   * The command adds something (user add, client add, ...), so it may start a new SQLite database in
   * a DATA_DIR without one, and says so on stderr. Every other command refuses such a DATA_DIR: it
   * would only find nothing (src/cli/database-presence.ts).
   */
  mayCreateDatabase?: boolean;
}

/** Opens everything, runs `work`, and always closes the database. */
export async function withContext<T>(io: CliIo, work: (ctx: CliContext) => Promise<T>, opts: ContextOptions = {}): Promise<T> {
  // Imported here, not at the top: --help and usage errors never pay for knex and argon2.
  const { openContext } = await import('./services.ts');
  const { ctx, close } = await openContext(io, opts);
  try {
    return await work(ctx);
  } finally {
    await close();
  }
}
