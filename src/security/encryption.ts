// AES-256-GCM for secrets at rest (TOTP seeds), bound to their row and labelled with the key that sealed them.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { IdpError } from '../errors.ts';

/** Which row a ciphertext belongs to; authenticated as AAD, so a blob copied to another row fails. */
export interface SecretBinding {
  userId: string;
  credentialId: string;
}

const VERSION = 'v1';
const KEY_BYTES = 32;
/** 96-bit random IVs, the size GCM is designed for (NIST SP 800-38D §8.2.2). */
const IV_BYTES = 12;
/** The full 128-bit tag; we pin it when decrypting because Node would otherwise accept truncated tags. */
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Seals `plaintext` under `key` as `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The keyId
 * lets decryption pick the right key after a rotation; it reveals nothing useful about the key.
 */
export function encryptSecret(key: Buffer, plaintext: string, aad: SecretBinding): string {
  assertKey(key);
  const keyId = keyIdOf(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId, aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, keyId, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
}

/**
 * Opens a blob made by `encryptSecret`. `keys` is the current key first, then retired ones still needed
 * for rows not yet re-encrypted. Any failure (unknown key, tampering, wrong row) is one opaque error:
 * the detail goes to the log, never to the person.
 */
export function decryptSecret(keys: readonly Buffer[], blob: string, aad: SecretBinding): string {
  const parsed = parseBlob(blob);
  if (parsed === null) throw decryptFailed('malformed');
  const candidates = keys.filter((key) => key.length === KEY_BYTES && keyIdOf(key) === parsed.keyId);
  if (candidates.length === 0) throw decryptFailed('unknown_key', { keyId: parsed.keyId });
  // Key ids are 32 bits, so two keys could share one; try each (GCM tells us which is right).
  for (const key of candidates) {
    const plaintext = tryOpen(key, parsed, aad);
    if (plaintext !== null) return plaintext;
  }
  throw decryptFailed('authentication_failed', { keyId: parsed.keyId });
}

/** True when the blob was not sealed by `currentKey` (or in this format), so a rotation job should rewrite it. */
export function needsReencryption(currentKey: Buffer, blob: string): boolean {
  const parsed = parseBlob(blob);
  return parsed === null || parsed.keyId !== keyIdOf(currentKey);
}

/** First 8 hex characters of SHA-256(key): enough to find a key among a handful, not to attack it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

interface ParsedBlob {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parseBlob(blob: string): ParsedBlob | null {
  const parts = blob.split('.');
  if (parts.length !== 5) return null;
  const [version, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  if (version !== VERSION || !/^[0-9a-f]{8}$/.test(keyId)) return null;
  // Empty plaintext gives an empty ciphertext part; the other parts must be real base64url.
  if (![iv, tag].every((p) => B64URL.test(p)) || !(ciphertext === '' || B64URL.test(ciphertext))) return null;
  const parsed = {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  return parsed.iv.length === IV_BYTES && parsed.tag.length === TAG_BYTES ? parsed : null;
}

function tryOpen(key: Buffer, parsed: ParsedBlob, aad: SecretBinding): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(parsed.keyId, aad));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return null; // final() throws when the tag does not verify; the caller reports it without detail
  }
}

/**
 * JSON of an array is unambiguous (user "a.b" + credential "c" differs from "a" + "b.c"); the purpose
 * label keeps these blobs from being valid for any other use of the same key, and the version and keyId
 * authenticate the header.
 */
function additionalData(keyId: string, aad: SecretBinding): Buffer {
  return Buffer.from(JSON.stringify(['jullix-idp/secret', VERSION, keyId, aad.userId, aad.credentialId]), 'utf8');
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new IdpError('config_invalid', `secret encryption key must be ${KEY_BYTES} bytes, got ${key.length}`, { expose: false });
  }
}

function decryptFailed(reason: string, detail: Record<string, unknown> = {}): IdpError {
  return new IdpError('decrypt_failed', 'stored secret could not be decrypted', { expose: false, detail: { reason, ...detail } });
}
