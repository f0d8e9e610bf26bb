import { test } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { createArgon2Hasher, isWeakerHash, OWASP_ARGON2ID } from './password-hashing.ts';

const SALT_AND_HASH = '$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g';

test('weaker than configured: another variant, an older version, less memory, fewer passes', () => {
  assert.equal(isWeakerHash(`$argon2id$v=19$m=19456,t=2,p=1${SALT_AND_HASH}`, OWASP_ARGON2ID), false);
  assert.equal(isWeakerHash(`$argon2i$v=19$m=19456,t=2,p=1${SALT_AND_HASH}`, OWASP_ARGON2ID), true);
  assert.equal(isWeakerHash(`$argon2d$v=19$m=19456,t=2,p=1${SALT_AND_HASH}`, OWASP_ARGON2ID), true);
  assert.equal(isWeakerHash(`$argon2id$v=16$m=19456,t=2,p=1${SALT_AND_HASH}`, OWASP_ARGON2ID), true);
  assert.equal(isWeakerHash(`$argon2id$v=19$m=8192,t=2,p=1${SALT_AND_HASH}`, OWASP_ARGON2ID), true);
  assert.equal(isWeakerHash(`$argon2id$v=19$m=19456,t=1,p=1${SALT_AND_HASH}`, OWASP_ARGON2ID), true);
  assert.equal(isWeakerHash(`$argon2id$v=19$m=19456,p=1,t=1${SALT_AND_HASH}`, OWASP_ARGON2ID), true, 'node-argon2 order m,p,t');
  assert.equal(isWeakerHash(`$argon2id$v=19$m=8192,p=1,t=2${SALT_AND_HASH}`, OWASP_ARGON2ID), true);
  assert.equal(isWeakerHash(`$argon2id$v=19$m=19456,p=1,t=2${SALT_AND_HASH}`, OWASP_ARGON2ID), false);
});

test('a stronger hash is kept, and an unreadable one is not called weaker', () => {
  assert.equal(isWeakerHash(`$argon2id$v=19$m=65536,t=3,p=4${SALT_AND_HASH}`, OWASP_ARGON2ID), false);
  assert.equal(isWeakerHash('not a hash', OWASP_ARGON2ID), false);
  assert.equal(isWeakerHash('$2b$12$abcdefghijklmnopqrstuv', OWASP_ARGON2ID), false);
});

test('the hasher: its own hashes need nothing, an argon2i hash of the same cost verifies and needs a rehash', async () => {
  const hasher = createArgon2Hasher();
  const own = await hasher.hash('correct horse');
  assert.match(own, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.equal(hasher.needsRehash(own), false);
  const argon2i = await argon2.hash('correct horse', { type: argon2.argon2i, ...OWASP_ARGON2ID });
  assert.equal(await hasher.verify(argon2i, 'correct horse'), true);
  assert.equal(hasher.needsRehash(argon2i), true);
});
