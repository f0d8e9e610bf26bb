// DATA_DIR/secrets.json, the development stand-in for the key variables: made once (whoever starts
// first on a fresh DATA_DIR writes it, everyone else reads that one) and read as strictly as the
// variables it stands in for. resolveSecrets (secrets.ts) decides when it is used.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import type { JWK } from 'oidc-provider';
import { generateSigningKeys } from '../provider/keys.ts';

export interface StoredSecrets { jwks?: { keys: JWK[] } | undefined; cookieKeys: string[]; dataEncryptionKeys: string[] }

export function generateStored(): StoredSecrets {
  return {
    jwks: generateSigningKeys(),
    cookieKeys: [randomBytes(32).toString('base64url')],
    dataEncryptionKeys: [randomBytes(32).toString('base64')],
  };
}

/**
 * DATA_DIR/secrets.json, checked as strictly as the variables it stands in for: a file without
 * cookie keys once started a server whose every sign-in failed with a 500 (operator review).
 */
export function readStored(file: string, problems: string[]): StoredSecrets | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file} is not valid JSON (${(err as Error).message}): restore it from a backup, or move it away to have new development keys made (which ends every session and TOTP secret sealed with the old ones)`);
    return undefined;
  }
  const p = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<Record<keyof StoredSecrets, unknown>>;
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined);
  const cookieKeys = strings(p.cookieKeys);
  if (!cookieKeys || cookieKeys.length === 0) problems.push(`${file} cookieKeys: expected a list of at least one key`);
  else if (cookieKeys.some((k) => k.length < 32)) problems.push(`${file} cookieKeys: each key must be at least 32 characters`);
  const dataEncryptionKeys = strings(p.dataEncryptionKeys);
  if (!dataEncryptionKeys || dataEncryptionKeys.length === 0) problems.push(`${file} dataEncryptionKeys: expected a list of at least one key`);
  // Only a seed for an empty signing_keys table: a file without it leaves the database to make keys.
  const jwks = typeof p.jwks === 'object' && p.jwks !== null && Array.isArray((p.jwks as { keys?: unknown }).keys) ? p.jwks as { keys: JWK[] } : undefined;
  return { jwks, cookieKeys: cookieKeys ?? [], dataEncryptionKeys: dataEncryptionKeys ?? [] };
}

/**
 * Writes a first secrets.json unless one appeared meanwhile; true when this call wrote it. Two
 * processes starting on a fresh DATA_DIR at once (the server and a CLI command, or two commands)
 * each made their own keys and the later write won: the other had already sealed a signing key
 * with keys nobody kept, and every start after failed to open it (5 of 12 side-by-side pairs of
 * `registration-token create` here). The file is written whole under a temporary name, flushed,
 * then linked into place, which fails if the name exists: the caller then reads the winner's
 * complete file. Where the file system has no hard links, an exclusive create does the same but
 * for a reader that could catch the file half written.
 */
export function createStoredOnce(file: string, dataDir: string, stored: StoredSecrets): boolean {
  mkdirSync(dataDir, { recursive: true });
  const text = JSON.stringify(stored, null, 2);
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeDurably(temporary, text);
  try {
    linkSync(temporary, file);
    chmodSync(file, 0o600);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    try {
      writeDurably(file, text);
      return true;
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw fallback;
    }
  } finally {
    unlinkSync(temporary);
  }
}

/** Creates `file` (refusing one that exists), owner-only, with `text` on disk before it returns. */
function writeDurably(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
