import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isIdpError } from '../errors.ts';
import { loadConfig } from './load.ts';
import { resolveSecrets } from './secrets.ts';

test('in production every missing secret and an http issuer are reported at once, and nothing is generated', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-secrets-'));
  try {
    const config = loadConfig({ NODE_ENV: 'production', ISSUER: 'http://login.example.com', DATA_DIR: dataDir });
    assert.throws(() => resolveSecrets(config), (err) => {
      assert.ok(isIdpError(err, 'config_invalid'));
      for (const name of ['JWKS', 'COOKIE_KEYS', 'DATA_ENCRYPTION_KEYS', 'must be https']) assert.match(err.message, new RegExp(name));
      return true;
    });
    assert.equal(existsSync(path.join(dataDir, 'secrets.json')), false, 'no development keys written in production');
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
