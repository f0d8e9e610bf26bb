import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIdpError } from '../errors.ts';
import { loadConfig } from './load.ts';

/** The start-up message for a refused configuration. */
function refused(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(isIdpError(err, 'config_invalid'));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

test('DISPLAY_NAME: a colon is refused, as the Key URI label would split at it', () => {
  assert.match(refused({ DISPLAY_NAME: 'Mijn Jullix: Portaal & Co' }), /DISPLAY_NAME \(branding\.displayName\): must not contain a colon/);
  assert.equal(loadConfig({ DISPLAY_NAME: 'Mijn Jullix - Portaal & Co' }).branding.displayName, 'Mijn Jullix - Portaal & Co');
});

test('a colon in DISPLAY_NAME is reported together with every other problem', () => {
  const message = refused({ DISPLAY_NAME: 'A:B', PORT: 'eighty', SESSION_IDLE_TIMEOUT_SECONDS: '5' });
  for (const problem of [/DISPLAY_NAME \(branding\.displayName\): must not contain a colon/, /PORT: expected a whole number/, /sessions\.idleTimeoutSeconds/]) assert.match(message, problem);
});

test('a misspelt key in config/*.json is refused, not ignored (the server would start on the default)', async () => {
  const { mkdtemp, copyFile, writeFile, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jullix-config-'));
  try {
    await copyFile(path.join(import.meta.dirname, '..', '..', 'config', 'default.json'), path.join(dir, 'default.json'));
    await writeFile(path.join(dir, 'local.json'), JSON.stringify({ prot: 4000, sessions: { ttlSeconds: 600 }, metrics: { port: 3999, tokn: 'a'.repeat(32) } }));
    assert.throws(() => loadConfig({}, dir), (err: unknown) => isIdpError(err, 'config_invalid')
      && /\(root\): Unrecognized key: "prot"/.test(err.message) && /sessions: Unrecognized key: "ttlSeconds"/.test(err.message) && /metrics: Unrecognized key: "tokn"/.test(err.message));
    await writeFile(path.join(dir, 'local.json'), JSON.stringify({ port: 4000 }));
    assert.equal(loadConfig({}, dir).port, 4000, 'a known key still works');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an issuer is written as tokens will carry it, and NODE_ENV=Production is not taken for development', () => {
  assert.match(refused({ ISSUER: 'HTTPS://idp.example.com' }), /ISSUER \(issuer\): must be written as https:\/\/idp\.example\.com \(write the scheme and host in lower case\)/);
  assert.match(refused({ ISSUER: 'https://idp.example.com:443' }), /ISSUER \(issuer\): must be written as https:\/\/idp\.example\.com \(drop the default port :443\)/);
  assert.match(refused({ ISSUER: 'http://localhost:80' }), /ISSUER \(issuer\): must be written as http:\/\/localhost \(drop the default port :80\)/);
  assert.match(refused({ ISSUER: 'https://bücher.example' }), /ISSUER \(issuer\): must be written as https:\/\/xn--bcher-kva\.example \(write the host in its ASCII \(punycode\) form\)/);
  assert.match(refused({ ISSUER: 'https://user:pw@idp.example.com' }), /ISSUER \(issuer\): must not contain a user name or password/);
  assert.match(refused({ NODE_ENV: 'Production' }), /NODE_ENV \(nodeEnv\): write production in lower case/);
  assert.equal(loadConfig({ ISSUER: 'https://idp.example.com/Path' }).issuer, 'https://idp.example.com/Path', 'the path keeps its case');
  assert.equal(loadConfig({ PORT: '80' }).issuer, 'http://localhost', 'the default issuer is in normal form too');
});

test('a PORT out of range is reported as PORT alone, not also as an ISSUER nobody set', () => {
  const message = refused({ PORT: '70000' });
  assert.match(message, /PORT \(port\): Too big/);
  assert.doesNotMatch(message, /ISSUER/);
});

test('PORT=0 without an ISSUER is refused: no app could reach http://localhost:0', () => {
  const message = refused({ PORT: '0' });
  assert.match(message, /PORT \(port\): 0 lets the system pick any free port, so the issuer cannot follow from it: set ISSUER/);
  assert.doesNotMatch(message, /ISSUER \(issuer\)/, 'nobody set ISSUER: only the port is reported');
  assert.equal(loadConfig({ PORT: '0', ISSUER: 'http://localhost:3000' }).port, 0, 'with an ISSUER, any free port is fine');
});

test('an ISSUER that is set is still reported next to a bad PORT', () => {
  const message = refused({ PORT: '70000', ISSUER: 'ftp://idp.example.com' });
  assert.match(message, /PORT \(port\)/);
  assert.match(message, /ISSUER \(issuer\)/);
});
