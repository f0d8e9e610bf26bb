// Signing keys, cookie keys and the data-encryption key. In production cookie and data keys must
// come from the environment; elsewhere they are generated once and kept in DATA_DIR/secrets.json
// (mode 0600). Signing keys come from JWKS when it is set, else from the database, where they can
// be rotated (src/provider/keys-ring.ts); secrets.json's signing keys seed an empty table.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { JWK } from 'oidc-provider';
import { IdpError } from '../errors.ts';
import { isProduction } from './load.ts';
import type { Config } from './schema.ts';
import { createStoredOnce, generateStored, readStored, type StoredSecrets } from './secrets-file.ts';

export interface Secrets {
  /** The JWKS variable's private keys, used as given; undefined: the database holds the signing keys. */
  jwks: { keys: JWK[] } | undefined;
  /** DATA_DIR/secrets.json's signing keys, imported into an empty signing_keys table so tokens they signed keep verifying. */
  seedJwks?: { keys: JWK[] } | undefined;
  /** Newest first: the first signs, all verify (rotation). */
  cookieKeys: string[];
  /** 32-byte AES keys, newest first: the first encrypts, all decrypt. */
  dataEncryptionKeys: Buffer[];
  /** Where they came from, for the start-up log. */
  source: 'environment' | 'generated' | 'data-dir';
}

function parseJwks(raw: string, problems: string[]): { keys: JWK[] } | undefined {
  try {
    const parsed = JSON.parse(raw) as { keys?: unknown };
    if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) throw new Error('expected {"keys":[…]} with at least one key');
    const keys = parsed.keys as JWK[];
    if (!keys.every((k) => typeof k === 'object' && k !== null && typeof k.d === 'string')) throw new Error('every key must be a private key (with "d")');
    if (!keys.some((k) => k.kty === 'RSA')) throw new Error('include an RSA key: RS256 is the default ID token algorithm');
    return { keys };
  } catch (err) {
    problems.push(`JWKS: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * The JWKS variable's keys, checked as at start-up, resolving no other secret: for a command that
 * only shows them, which must not make DATA_DIR/secrets.json for cookie and data keys it never uses.
 */
export function environmentJwks(raw: string): { keys: JWK[] } {
  const problems: string[] = [];
  const jwks = parseJwks(raw, problems);
  if (jwks === undefined) throw new IdpError('config_invalid', `Cannot read the signing keys:\n  - ${problems.join('\n  - ')}`, { expose: true });
  return jwks;
}

function parseDataKeys(list: string[], problems: string[], name: string): Buffer[] {
  return list.map((b64, i) => {
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) problems.push(`${name}: key ${i + 1} must be base64 of exactly 32 bytes (make one with: openssl rand -base64 32)`);
    return key;
  });
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** True when resolveSecrets would make new keys: outside production, none set and no secrets.json. */
export function wouldGenerateSecrets(config: Config): boolean {
  const env = config.secrets;
  const missing = [env.cookieKeys, env.dataEncryptionKeys].some((v) => v === undefined) || (env.jwks === undefined && !isProduction(config));
  return missing && !isProduction(config) && !existsSync(path.join(config.dataDir, 'secrets.json'));
}

/**
 * Refuses to make new keys for a database that already holds secrets sealed with other ones (TOTP
 * secrets, signing keys): they would never open them, and whatever is sealed with the new keys
 * breaks the server that has the old ones. Found by an operator's review: the CLI run without the
 * server's environment (NODE_ENV=production, the key variables) wrote a fresh secrets.json, sealed
 * a rotated signing key with it, and the server could not restart.
 */
export async function refuseNewSecretsOverSealedData(db: Knex, config: Config): Promise<void> {
  if (!wouldGenerateSecrets(config)) return;
  for (const table of ['signing_keys', 'totp_credentials']) {
    if (!(await db.schema.hasTable(table))) continue;
    const row = await db(table).first(db.raw('1 as present')) as { present: number } | undefined;
    if (row === undefined) continue;
    throw new IdpError('config_invalid', [
      `No keys here: ${path.join(config.dataDir, 'secrets.json')} does not exist and DATA_ENCRYPTION_KEYS and COOKIE_KEYS are not set,`,
      'but the database already holds secrets sealed with the server\'s keys; new keys would not open them.',
      'Run this with the server\'s environment (NODE_ENV, DATA_ENCRYPTION_KEYS, COOKIE_KEYS, DATA_DIR or DATABASE_URL).',
    ].join('\n'), { expose: true });
  }
}

/** Resolves every secret or throws IdpError('config_invalid') naming exactly what to set. */
export function resolveSecrets(config: Config): Secrets {
  const problems: string[] = [];
  const env = config.secrets;
  const prod = isProduction(config);
  const file = path.join(config.dataDir, 'secrets.json');
  let stored: StoredSecrets | undefined;
  let source: Secrets['source'] = 'environment';
  // Without JWKS, signing keys live in the database, encrypted with DATA_ENCRYPTION_KEYS: allowed in production too.
  const missing = [env.cookieKeys, env.dataEncryptionKeys].some((v) => v === undefined) || (env.jwks === undefined && !prod);
  if (missing && prod) {
    if (env.cookieKeys === undefined) problems.push('COOKIE_KEYS is not set: set it to one or more long random strings, comma-separated, newest first');
    if (env.dataEncryptionKeys === undefined) problems.push('DATA_ENCRYPTION_KEYS is not set: set it to base64 of 32 random bytes (openssl rand -base64 32)');
  } else if (missing) {
    if (existsSync(file)) {
      stored = readStored(file, problems);
      source = 'data-dir';
    } else {
      const generated = generateStored();
      const created = createStoredOnce(file, config.dataDir, generated);
      stored = created ? generated : readStored(file, problems);
      source = created ? 'generated' : 'data-dir';
    }
  }
  const jwks = env.jwks !== undefined ? parseJwks(env.jwks, problems) : undefined;
  const cookieKeys = env.cookieKeys !== undefined ? splitList(env.cookieKeys) : (stored?.cookieKeys ?? []);
  if (env.cookieKeys !== undefined && cookieKeys.some((k) => k.length < 32)) problems.push('COOKIE_KEYS: each key must be at least 32 characters');
  // A value of only commas or spaces is set but holds no key: the server would start unable to sign a cookie.
  if (env.cookieKeys !== undefined && cookieKeys.length === 0) problems.push('COOKIE_KEYS holds no key: set one or more long random strings, comma-separated, newest first');
  const dataKeys = env.dataEncryptionKeys !== undefined
    ? parseDataKeys(splitList(env.dataEncryptionKeys), problems, 'DATA_ENCRYPTION_KEYS')
    : parseDataKeys(stored?.dataEncryptionKeys ?? [], problems, `${file} dataEncryptionKeys`);
  if (env.dataEncryptionKeys !== undefined && dataKeys.length === 0) problems.push('DATA_ENCRYPTION_KEYS holds no key: set base64 of 32 random bytes (openssl rand -base64 32)');
  if (prod && !/^https:/.test(config.issuer) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(config.issuer)) {
    problems.push(`ISSUER is ${config.issuer}: in production it must be https (cookies and tokens travel over it)`);
  }
  if (problems.length > 0) {
    throw new IdpError('config_invalid', `Cannot start with these secrets (NODE_ENV=${config.nodeEnv}):\n  - ${problems.join('\n  - ')}`, { expose: true });
  }
  return { jwks, seedJwks: jwks === undefined ? stored?.jwks : undefined, cookieKeys, dataEncryptionKeys: dataKeys, source };
}
