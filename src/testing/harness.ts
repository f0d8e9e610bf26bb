// Starts a real IdP for integration tests: random port, its own data folder, SQLite or a fresh
// PostgreSQL database (TEST_DATABASE_URL), plus helpers to add users and clients.
import type { PasswordHasher } from '../security/password-hashing.ts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../db/connection.ts';
import type { Role, User } from '../accounts/types.ts';
import { startIdp, type RunningIdp } from '../server.ts';
import type { Clock } from '../security/clock.ts';
import { createLogger } from '../log.ts';
import { freePort } from './ports.ts';

export { freePort };

export interface Backend { name: 'sqlite' | 'postgres'; create(): Promise<{ databaseUrl?: string; drop(): Promise<void> }> }

/** SQLite always; PostgreSQL as well when TEST_DATABASE_URL is set (and then it must work). */
export function backends(): Backend[] {
  const list: Backend[] = [{ name: 'sqlite', create: async () => ({ drop: async () => undefined }) }];
  const adminUrl = process.env['TEST_DATABASE_URL'];
  if (adminUrl) {
    list.push({
      name: 'postgres',
      async create() {
        const name = `jullix_it_${randomBytes(6).toString('hex')}`;
        const admin = await openDatabase({ databaseUrl: adminUrl, dataDir: os.tmpdir() });
        await admin.raw(`CREATE DATABASE "${name}"`);
        await admin.destroy();
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        return {
          databaseUrl: url.href,
          async drop() {
            const a = await openDatabase({ databaseUrl: adminUrl, dataDir: os.tmpdir() });
            await a.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
            await a.destroy();
          },
        };
      },
    });
  }
  return list;
}

export interface TestIdp extends RunningIdp {
  dataDir: string;
  /** Every log line the IdP wrote (level debug), for tests that check nothing secret is logged. */
  logs: string[];
  addUser(u: { username: string; password: string; role?: Role; email?: string; name?: string; disabled?: boolean }): Promise<User>;
  addClient(metadata: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestIdp(opts: { backend?: Backend; env?: Record<string, string>; clock?: Clock; hasher?: PasswordHasher } = {}): Promise<TestIdp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-it-'));
  const database = await (opts.backend ?? backends()[0]!).create();
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port), ISSUER: `http://localhost:${port}`, DATA_DIR: dataDir, LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...opts.env,
  };
  const logs: string[] = [];
  const logger = createLogger('debug', {}, (line) => { logs.push(line); if (process.env['TEST_LOG_LEVEL']) console.error(line); });
  const idp = await startIdp({ env, logger, ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.hasher ? { hasher: opts.hasher } : {}) });
  const { accounts, hasher } = idp.app;
  return {
    ...idp,
    dataDir,
    logs,
    async addUser(u) {
      const user = await accounts.create({
        username: u.username, email: u.email ?? `${u.username}@example.test`, name: u.name ?? u.username,
        role: u.role ?? 'customer', passwordHash: await hasher.hash(u.password),
      });
      if (u.disabled) await accounts.setDisabled(user.id, true);
      return user;
    },
    async addClient(metadata) {
      await idp.db('oidc_models').insert({ model: 'Client', id: String(metadata.client_id), payload: JSON.stringify(metadata), expires_at: null });
    },
    async stop() {
      await idp.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
