// Builds a CliContext: config (loadConfig, as the server), database, migrations, stores. Kept
// apart from context.ts so that only commands that reach the database load knex and argon2.
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAccountStore } from '../accounts/store.ts';
import { createAuditLog } from '../audit/log.ts';
import { loadConfig } from '../config/load.ts';
import { refuseNewSecretsOverSealedData, resolveSecrets, type Secrets } from '../config/secrets.ts';
import { openDatabase, SQLITE_FILE_NAME } from '../db/connection.ts';
import { migrateLatest, migrationStatus } from '../db/migrations.ts';
import { IdpError } from '../errors.ts';
import { createLogger } from '../log.ts';
import type Provider from 'oidc-provider';
import type { ClientRegistry } from '../provider/clients.ts';
import type { ProviderPages } from '../provider/configuration.ts';
import { systemClock } from '../security/clock.ts';
import { createArgon2Hasher } from '../security/password-hashing.ts';
import type { CliIo } from './command.ts';
import type { CliContext, ContextOptions } from './context.ts';
import { databasePresence } from './database-presence.ts';

export async function openContext(io: CliIo, opts: ContextOptions): Promise<{ ctx: CliContext; close(): Promise<void> }> {
  const config = loadConfig(io.env);
  const file = path.join(config.dataDir, SQLITE_FILE_NAME);
  const presence = databasePresence({
    databaseUrl: config.databaseUrl, file, exists: (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0,
    mayCreate: opts.mayCreateDatabase === true, dataDirVariable: io.env['DATA_DIR'], cwd: process.cwd(),
  });
  if (presence.kind === 'refuse') throw new IdpError('database_missing', presence.message, { expose: true });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (presence.kind === 'create') io.err(presence.notice);
  try {
    // With MIGRATE_ON_START=false the operator migrates on purpose (docs/operations.md, controlled
    // upgrades): a command then refuses a database that is behind, as the server does, instead of
    // migrating it under the instances still running the old version.
    // Only a database that is behind is migrated: migrating takes knex's migration lock in a write
    // transaction even when nothing is pending, and commands run side by side (scripts, tests) then
    // contend for it for nothing.
    const { pending } = opts.skipMigrations === true ? { pending: [] } : await migrationStatus(db);
    const mayMigrate = config.migrateOnStart || opts.alwaysMigrate === true;
    if (pending.length > 0 && !mayMigrate) throw new IdpError('migrations_pending', `The database needs migrations (${pending.join(', ')}): run "jullix-idp migrate" first (MIGRATE_ON_START=false)`, { expose: true });
    const migrated = pending.length > 0 ? await migrateLatest(db) : [];
    if (migrated.length > 0 && opts.announceMigrations !== false) io.err(`Applied database migrations: ${migrated.join(', ')}`);
    // Only commands that need the keys fail; `user list` and the like never read them.
    const refusal: unknown = await refuseNewSecretsOverSealedData(db, config).then(() => undefined, (err: unknown) => err);
    const clock = systemClock;
    const accounts = createAccountStore(db, clock);
    let clients: Promise<ClientRegistry> | undefined;
    let provider: Promise<Provider> | undefined;
    let secrets: Secrets | undefined;
    const ctx: CliContext = {
      config, db, clock, accounts, migrated,
      audit: createAuditLog(db, clock),
      hasher: createArgon2Hasher(),
      secrets: () => {
        if (refusal !== undefined) throw refusal;
        return (secrets ??= resolveSecrets(config));
      },
      clients: () => (clients ??= clientRegistry(ctx)),
      provider: () => (provider ??= buildProvider(ctx)),
      actor: { via: 'cli', osUser: osUserName() },
    };
    return { ctx, close: () => db.destroy() };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

// The provider never serves a request here: it only validates clients and issues initial access tokens.
const NO_PAGES: ProviderPages = {
  renderError: () => undefined,
  logoutSource: () => undefined,
  postLogoutSuccessSource: () => undefined,
};

/** The provider from the server's real configuration and keys (ctx.secrets(), as the server). */
async function buildProvider(ctx: CliContext): Promise<Provider> {
  const { config, db, clock, accounts } = ctx;
  const { createProvider } = await import('../provider/index.ts');
  const { openKeyRing } = await import('../provider/keys-ring.ts');
  // The same keys the server signs with: a client's signing alg is validated against them.
  const keys = await openKeyRing({ secrets: ctx.secrets(), db, clock, logger: createLogger('silent') });
  return createProvider({ config, secrets: ctx.secrets(), jwks: keys.jwks(), db, clock, accounts, pages: NO_PAGES });
}

/** The registry, validating new and changed clients with that provider, built only when one is. */
async function clientRegistry(ctx: CliContext): Promise<ClientRegistry> {
  const { createClientRegistry, providerValidator } = await import('../provider/clients.ts');
  return createClientRegistry(ctx.db, ctx.clock, async (metadata) => providerValidator(await ctx.provider())(metadata));
}

function osUserName(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    // A container user with no passwd entry has no name.
    return null;
  }
}
