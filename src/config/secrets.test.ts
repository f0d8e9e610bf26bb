import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isIdpError } from '../errors.ts';
import { loadConfig } from './load.ts';
import { resolveSecrets } from './secrets.ts';
import { createStoredOnce } from './secrets-file.ts';

test('in production every missing secret and an http issuer are reported at once, and nothing is generated', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
  try {
    const config = loadConfig({ NODE_ENV: 'production', ISSUER: 'http://login.example.com', DATA_DIR: dataDir });
    assert.throws(() => resolveSecrets(config), (err) => {
      assert.ok(isIdpError(err, 'config_invalid'));
      for (const name of ['COOKIE_KEYS', 'DATA_ENCRYPTION_KEYS', 'must be https']) assert.match(err.message, new RegExp(name));
      // Signing keys may live in the database (encrypted with DATA_ENCRYPTION_KEYS), so JWKS is optional.
      assert.doesNotMatch(err.message, /JWKS/);
      return true;
    });
    assert.equal(existsSync(path.join(dataDir, 'secrets.json')), false, 'no development keys written in production');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('in production without JWKS the signing keys are left to the database, and nothing is written to DATA_DIR', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
  try {
    const config = loadConfig({
      NODE_ENV: 'production', ISSUER: 'https://login.example.com', DATA_DIR: dataDir,
      COOKIE_KEYS: 'c'.repeat(32), DATA_ENCRYPTION_KEYS: Buffer.alloc(32, 1).toString('base64'),
    });
    const secrets = resolveSecrets(config);
    assert.equal(secrets.jwks, undefined);
    assert.equal(secrets.seedJwks, undefined);
    assert.equal(existsSync(path.join(dataDir, 'secrets.json')), false);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('in development without JWKS, secrets.json\'s signing keys are offered as the seed of the database keys', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
  try {
    const secrets = resolveSecrets(loadConfig({ ISSUER: 'http://localhost:3000', DATA_DIR: dataDir }));
    assert.equal(secrets.jwks, undefined);
    assert.deepEqual(secrets.seedJwks?.keys.map((k) => k.alg), ['RS256', 'ES256']);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('short cookie keys are refused', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
  try {
    const config = loadConfig({ ISSUER: 'http://localhost:3000', DATA_DIR: dataDir, COOKIE_KEYS: 'short' });
    assert.throws(() => resolveSecrets(config), /at least 32 characters/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a key list of only commas is refused, not started with no cookie or data key', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
  try {
    const config = loadConfig({ NODE_ENV: 'production', ISSUER: 'https://login.example.com', DATA_DIR: dataDir, COOKIE_KEYS: ' , ', DATA_ENCRYPTION_KEYS: ',' });
    assert.throws(() => resolveSecrets(config), (err: unknown) => isIdpError(err) && err.code === 'config_invalid'
      && /COOKIE_KEYS holds no key/.test(err.message) && /DATA_ENCRYPTION_KEYS holds no key/.test(err.message));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a secrets.json without cookie keys, with short ones or not JSON at all is refused at start, naming the file', async () => {
  for (const [content, message] of [
    ['{"dataEncryptionKeys":["' + Buffer.alloc(32, 1).toString('base64') + '"]}', /secrets\.json cookieKeys: expected a list of at least one key/],
    ['{"cookieKeys":["x"],"dataEncryptionKeys":["' + Buffer.alloc(32, 1).toString('base64') + '"]}', /secrets\.json cookieKeys: each key must be at least 32 characters/],
    ['{"cookieKeys":["' + 'k'.repeat(40) + '"]', /secrets\.json is not valid JSON/],
  ] as const) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
    try {
      await writeFile(path.join(dir, 'secrets.json'), content);
      assert.throws(() => resolveSecrets(loadConfig({ DATA_DIR: dir })), (err: unknown) => isIdpError(err, 'config_invalid') && message.test(err.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
});

test('a first secrets.json is written once: a second writer finds it and keeps the first one\'s keys', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
  try {
    const file = path.join(dataDir, 'nested', 'secrets.json');
    const first = { cookieKeys: ['a'.repeat(32)], dataEncryptionKeys: ['first'] };
    const second = { cookieKeys: ['b'.repeat(32)], dataEncryptionKeys: ['second'] };
    assert.equal(createStoredOnce(file, path.dirname(file), first), true);
    assert.equal(createStoredOnce(file, path.dirname(file), second), false);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), first);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(path.dirname(file)), ['secrets.json'], 'no temporary file left');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
