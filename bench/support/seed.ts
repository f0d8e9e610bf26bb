// Seeding through the database layer, against the same SQLite file (or PostgreSQL database) the
// IdP process opens: clients as the harness stores them, people in bulk with one precomputed
// argon2id hash (multi-row inserts in big transactions), TOTP credentials through the real store.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config/load.ts';
import { resolveSecrets } from '../../src/config/secrets.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { migrateLatest } from '../../src/db/migrations.ts';
import { generateTotpSecret, timeStepAt } from '../../src/factors/totp.ts';
import { createTotpCredentialStore } from '../../src/factors/totp-credentials.ts';
import { systemClock } from '../../src/security/clock.ts';
import { createArgon2Hasher } from '../../src/security/password-hashing.ts';
import { idpEnv } from './idp.ts';
import type { Person } from '../load/sign-in.ts';

export const BENCH_PASSWORD = 'bench-password-correct-horse';
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const PUBLIC_CLIENT = 'bench-portal';
export const SERVICE_CLIENT = { id: 'bench-service', secret: 'bench-service-secret-0123456789abcdef0123' };
export const WEB_CLIENT = { id: 'bench-web', secret: 'bench-web-secret-0123456789abcdef012345678' };

/** The metadata of the clients every scenario gets, as an operator would register them. */
export const CLIENTS: Array<Record<string, unknown>> = [
  { client_id: PUBLIC_CLIENT, client_name: 'Bench portal', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'], jullix_first_party: true },
  { client_id: SERVICE_CLIENT.id, client_secret: SERVICE_CLIENT.secret, client_name: 'Bench service', grant_types: ['client_credentials'], response_types: [] },
  { client_id: WEB_CLIENT.id, client_secret: WEB_CLIENT.secret, client_name: 'Bench web app', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], jullix_first_party: true },
];

/** Opens the instance's database and applies the migrations, as the IdP would at start. */
export async function openSeedDatabase(dataDir: string, databaseUrl?: string): Promise<Knex> {
  const db = await openDatabase({ databaseUrl, dataDir });
  await migrateLatest(db);
  return db;
}

export async function insertClients(db: Knex): Promise<void> {
  await db('oidc_models').insert(CLIENTS.map((c) => ({ model: 'Client', id: String(c['client_id']), payload: JSON.stringify(c), expires_at: null })));
}

let sharedHash: Promise<string> | undefined;
/** One real argon2id hash (OWASP parameters) of BENCH_PASSWORD, shared by every seeded person. */
export function benchPasswordHash(): Promise<string> {
  return (sharedHash ??= createArgon2Hasher().hash(BENCH_PASSWORD));
}

export const usernameOf = (n: number) => `bench-${String(n).padStart(7, '0')}`;

// 3 bindings a row keeps a 10,000-row statement under SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT = 10_000;
const ROWS_PER_TRANSACTION = 200_000;

/**
 * A UUIDv7-shaped id (RFC 9562 §5.7) whose timestamp is `base + n` ms: unique, and ascending with
 * n, so a million primary-key inserts append to the index instead of landing on random pages.
 */
function orderedUuid(base: number, n: number): string {
  const hex = randomUUID().replace(/-/g, '');
  const ts = (base + n).toString(16).padStart(12, '0');
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Inserts people numbered [from, from + count) with the shared hash; returns ids in that order. */
export async function bulkInsertPeople(db: Knex, from: number, count: number): Promise<string[]> {
  const hash = await benchPasswordHash();
  const now = Date.now();
  const base = now - 1_000_000_000;
  const ids: string[] = [];
  for (let txStart = from; txStart < from + count; txStart += ROWS_PER_TRANSACTION) {
    const txEnd = Math.min(from + count, txStart + ROWS_PER_TRANSACTION);
    await db.transaction(async (trx) => {
      for (let start = txStart; start < txEnd; start += ROWS_PER_STATEMENT) {
        const end = Math.min(txEnd, start + ROWS_PER_STATEMENT);
        const bindings: Array<string | number> = [];
        for (let n = start; n < end; n++) {
          const id = orderedUuid(base, n);
          ids.push(id);
          const username = usernameOf(n);
          bindings.push(id, username, `${username}@bench.example`);
        }
        const values = Array.from({ length: end - start }, () => '(?, ?, ?)').join(', ');
        // The lower-cased copies and the constant columns are filled in by the database itself.
        await trx.raw(
          `WITH v(id, username, email) AS (VALUES ${values})
           INSERT INTO users (id, username, username_lower, email, email_lower, name, role, password_hash, disabled, created_at, updated_at)
           SELECT id, username, lower(username), email, lower(email), username, 'customer', ?, false, CAST(? AS BIGINT), CAST(? AS BIGINT) FROM v`,
          [...bindings, hash, now, now],
        );
      }
    });
  }
  return ids;
}

export function people(from: number, count: number, totpSecrets?: string[]): Person[] {
  return Array.from({ length: count }, (_, i) => {
    const secret = totpSecrets?.[i];
    return { username: usernameOf(from + i), password: BENCH_PASSWORD, ...(secret ? { totpSecret: secret } : {}) };
  });
}

/**
 * Enrols a TOTP secret for each id through the real credential store, encrypted with the data
 * key of this instance's secrets (DATA_DIR/secrets.json, created now if the IdP has not yet).
 */
export async function enrolTotp(db: Knex, dataDir: string, userIds: string[], databaseUrl?: string): Promise<string[]> {
  const config = loadConfig(idpEnv({ port: 0, dataDir, databaseUrl }));
  const keys = resolveSecrets(config).dataEncryptionKeys;
  // An old proving step, so a code of the current step is not mistaken for a replay.
  const provenStep = timeStepAt(Date.now()) - 10;
  const secrets = userIds.map(() => generateTotpSecret());
  await db.transaction(async (trx) => {
    const store = createTotpCredentialStore(trx, systemClock, keys);
    for (const [i, id] of userIds.entries()) await store.enrol(id, secrets[i] ?? '', provenStep);
  });
  return secrets;
}
