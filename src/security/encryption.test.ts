import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isIdpError } from '../errors.ts';
import { decryptSecret, encryptSecret, keyIdOf, needsReencryption } from './encryption.ts';

const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const ROW = { userId: 'user-1', credentialId: 'cred-1' };
const currentKey = randomBytes(32);
const oldKey = randomBytes(32);

function assertDecryptFailed(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isIdpError(err, 'decrypt_failed'), `expected decrypt_failed, got ${String(err)}`);
    assert.equal(err.expose, false);
    assert.equal(err.status, 500);
    assert.equal(err.detail?.['reason'], reason);
    assert.ok(!err.message.includes(SECRET));
    return true;
  });
}

/** Flips one bit of the base64url part at `index` (1 = keyId … 4 = tag). */
function tamper(blob: string, index: number): string {
  const parts = blob.split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

test('round trip', () => {
  const blob = encryptSecret(currentKey, SECRET, ROW);
  assert.equal(decryptSecret([currentKey], blob, ROW), SECRET);
  assert.equal(decryptSecret([currentKey], encryptSecret(currentKey, '', ROW), ROW), '');
  assert.equal(decryptSecret([currentKey], encryptSecret(currentKey, 'héllo ✓', ROW), ROW), 'héllo ✓');
});

test('the blob is versioned, names its key, and never holds the plaintext', () => {
  const blob = encryptSecret(currentKey, SECRET, ROW);
  const parts = blob.split('.');
  assert.equal(parts.length, 5);
  assert.equal(parts[0], 'v1');
  assert.equal(parts[1], keyIdOf(currentKey));
  assert.match(parts[1] ?? '', /^[0-9a-f]{8}$/);
  assert.equal(Buffer.from(parts[2] ?? '', 'base64url').length, 12);
  assert.equal(Buffer.from(parts[4] ?? '', 'base64url').length, 16);
  assert.ok(!blob.includes(SECRET));
  assert.ok(!blob.includes(Buffer.from(SECRET).toString('base64url')));
});

test('a fresh IV each time: the same secret encrypts differently', () => {
  assert.notEqual(encryptSecret(currentKey, SECRET, ROW), encryptSecret(currentKey, SECRET, ROW));
});

test('a blob copied to another row does not decrypt (AAD binds it)', () => {
  const blob = encryptSecret(currentKey, SECRET, ROW);
  assertDecryptFailed(() => decryptSecret([currentKey], blob, { ...ROW, userId: 'user-2' }), 'authentication_failed');
  assertDecryptFailed(() => decryptSecret([currentKey], blob, { ...ROW, credentialId: 'cred-2' }), 'authentication_failed');
  // The encoding of the binding is unambiguous: moving characters between the two ids changes it.
  const dotted = encryptSecret(currentKey, SECRET, { userId: 'a', credentialId: 'bc' });
  assertDecryptFailed(() => decryptSecret([currentKey], dotted, { userId: 'ab', credentialId: 'c' }), 'authentication_failed');
});

test('tampering with the IV, ciphertext or tag is detected', () => {
  const blob = encryptSecret(currentKey, SECRET, ROW);
  for (const index of [2, 3, 4]) {
    assertDecryptFailed(() => decryptSecret([currentKey], tamper(blob, index), ROW), 'authentication_failed');
  }
});

test('truncated tags and malformed blobs are refused', () => {
  const blob = encryptSecret(currentKey, SECRET, ROW);
  const parts = blob.split('.');
  const shortTag = [...parts.slice(0, 4), Buffer.from(parts[4] ?? '', 'base64url').subarray(0, 4).toString('base64url')].join('.');
  assertDecryptFailed(() => decryptSecret([currentKey], shortTag, ROW), 'malformed');
  for (const bad of ['', SECRET, 'v2' + blob.slice(2), blob + '.x', blob.replace(/\.[^.]+$/, '.!!!')]) {
    assertDecryptFailed(() => decryptSecret([currentKey], bad, ROW), 'malformed');
  }
});

test('a wrong key is refused as unknown', () => {
  const blob = encryptSecret(currentKey, SECRET, ROW);
  assertDecryptFailed(() => decryptSecret([oldKey], blob, ROW), 'unknown_key');
  assertDecryptFailed(() => decryptSecret([], blob, ROW), 'unknown_key');
});

test('rotation: an old key later in the list still decrypts, and the blob is flagged for rewrite', () => {
  const oldBlob = encryptSecret(oldKey, SECRET, ROW);
  assert.equal(decryptSecret([currentKey, oldKey], oldBlob, ROW), SECRET);
  assert.equal(needsReencryption(currentKey, oldBlob), true);
  const newBlob = encryptSecret(currentKey, decryptSecret([currentKey, oldKey], oldBlob, ROW), ROW);
  assert.equal(needsReencryption(currentKey, newBlob), false);
  assert.equal(needsReencryption(currentKey, 'garbage'), true);
});

test('a key of the wrong size is a configuration error', () => {
  assert.throws(() => encryptSecret(randomBytes(16), SECRET, ROW), (err: unknown) => isIdpError(err, 'config_invalid'));
});
