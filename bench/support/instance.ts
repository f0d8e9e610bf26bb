// One benchmark instance of the IdP: a temporary data folder, a fresh database (the SQLite file in
// that folder, or a new PostgreSQL database on the server named by DATABASE_URL), and clean-up.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../../src/db/connection.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveSecrets } from '../../src/config/secrets.ts';
import { idpEnv, startIdpProcess, type IdpOptions, type IdpProcess } from './idp.ts';
import { insertClients, openSeedDatabase } from './seed.ts';

export interface BlankInstance {
  dataDir: string;
  databaseUrl: string | undefined;
  /** The running IdP, once started. */
  idp: IdpProcess | undefined;
  start(opts?: Omit<IdpOptions, 'dataDir' | 'databaseUrl'>): Promise<IdpProcess>;
  /** Stops the IdP and removes the data folder (and drops the PostgreSQL database). */
  dispose(): Promise<void>;
}

export interface Instance extends BlankInstance {
  /** The database as the seeding code sees it (open until dispose). */
  db: Knex;
}

let sharedSecrets: Promise<string> | undefined;

/**
 * The development keys every prepared instance starts with: generated once per run (an RSA key
 * takes a noticeable fraction of a second), the way the IdP writes them, then copied.
 */
function secretsFile(): Promise<string> {
  return (sharedSecrets ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jullix-bench-keys-'));
    resolveSecrets(loadConfig(idpEnv({ port: 0, dataDir: dir })));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, 'secrets.json');
  })());
}

/** A data folder and migrated database with the bench clients; the IdP is started separately. */
export async function createInstance(label: string): Promise<Instance> {
  const blank = await createBlankInstance(label);
  let db: Knex;
  try {
    await copyFile(await secretsFile(), path.join(blank.dataDir, 'secrets.json'));
    db = await openSeedDatabase(blank.dataDir, blank.databaseUrl);
    await insertClients(db);
  } catch (err) {
    await blank.dispose();
    throw err;
  }
  const instance: Instance = {
    ...blank,
    db,
    get idp() { return blank.idp; },
    start: (opts) => blank.start(opts),
    async dispose() {
      await db.destroy();
      await blank.dispose();
    },
  };
  return instance;
}

/** An empty data folder (and empty PostgreSQL database): what a first `npm start` finds. */
export async function createBlankInstance(label: string): Promise<BlankInstance> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `jullix-bench-${label}-`));
  const server = process.env['DATABASE_URL']?.trim();
  let databaseUrl: string | undefined;
  let dropDatabase = async () => undefined as void;
  if (server) {
    // Each instance gets its own database on that server, so scenarios never see each other's rows.
    const name = `jullix_bench_${randomBytes(5).toString('hex')}`;
    const admin = await openDatabase({ databaseUrl: server, dataDir });
    await admin.raw(`CREATE DATABASE "${name}"`);
    await admin.destroy();
    const url = new URL(server);
    url.pathname = `/${name}`;
    databaseUrl = url.href;
    dropDatabase = async () => {
      const a = await openDatabase({ databaseUrl: server, dataDir });
      await a.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.destroy();
    };
  }
  const instance: BlankInstance = {
    dataDir, databaseUrl, idp: undefined,
    async start(opts = {}) {
      instance.idp = await startIdpProcess({ ...opts, dataDir, databaseUrl });
      return instance.idp;
    },
    async dispose() {
      const failures: unknown[] = [];
      await instance.idp?.stop().catch((err: unknown) => failures.push(err));
      await dropDatabase().catch((err: unknown) => failures.push(err));
      await rm(dataDir, { recursive: true, force: true });
      if (failures.length > 0) throw failures[0];
    },
  };
  return instance;
}
