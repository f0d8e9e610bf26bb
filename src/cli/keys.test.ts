// `jullix-idp keys ...` end to end: the real command in a child process against a fresh DATA_DIR.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSigningKeys } from '../provider/keys.ts';
import { createLogger } from '../log.ts';
import { openKeyRing } from '../provider/keys-ring.ts';
import { systemClock } from '../security/clock.ts';
import type { AuditEntryView } from './audit.ts';
import type { KeyView } from './keys.ts';
import { hasNoStackTrace, jsonOf, runCli, tempDataDir, type CliResult, withDatabase } from './test-support.ts';

const DAY_AND_HOUR_MS = (86400 + 3600) * 1000;

describe('jullix-idp keys', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(dir, args, { env });
  before(async () => ({ dir, cleanup } = await tempDataDir()));
  after(() => cleanup());

  test('before the server ever ran there are no keys to list, and listing makes none', async () => {
    assert.equal((await cli(['migrate'])).code, 0, 'a database the server has not started on yet');
    const text = await cli(['keys', 'list']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /No signing keys yet: the server makes them when it first starts/);
    assert.deepEqual(jsonOf<KeyView[]>(await cli(['keys', 'list', '--json'])), []);
    // Nor for the JWKS variable's keys: the cookie and data keys a server would need are not made either.
    const jwks = generateSigningKeys();
    const listed = jsonOf<KeyView[]>(await cli(['keys', 'list', '--json'], { JWKS: JSON.stringify(jwks) }));
    assert.deepEqual(listed.map((k) => k.kid), jwks.keys.map((k) => k.kid));
    assert.equal(existsSync(path.join(dir, 'secrets.json')), false, 'a command that only prints wrote no secrets.json');
  });

  test('bad arguments are usage errors (exit 2) that say what is allowed', async () => {
    for (const [args, message] of [
      [['--activate-after', '1m'], /--activate-after: "1m" must be a duration .* from 5m to 30d/],
      [['--activate-after', 'soon'], /--activate-after: "soon" must be a duration/],
      [['--activate-after', '31d'], /from 5m to 30d/],
      [['--activate-after', '-5m'], /--activate-after: "-5m" must be a duration .* from 5m to 30d/],
      [['--alg', 'HS256'], /--alg: must be RS256, ES256 or all/],
      [['--now'], /Unknown option '--now'/],
    ] as const) {
      const result = await cli(['keys', 'rotate', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.ok(hasNoStackTrace(result));
    }
    const unknown = await cli(['keys', 'delete']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /one of: list, rotate, remove/);
  });

  test('rotate publishes a new key per algorithm that signs after the delay, and retires the current one then', async () => {
    const before = Date.now();
    const result = await cli(['keys', 'rotate', '--activate-after', '2h', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const { added, retired } = jsonOf<{ added: KeyView[]; retired: KeyView[]; deleted: number }>(result);
    // The first keys are secrets.json's, so tokens a development server signed before keep verifying.
    const seeded = JSON.parse(await readFile(path.join(dir, 'secrets.json'), 'utf8')) as { jwks: { keys: Array<{ kid: string }> } };
    assert.deepEqual(retired.map((k) => [k.kid, k.state]), seeded.jwks.keys.map((k) => [k.kid, 'active']));
    assert.deepEqual(added.map((k) => [k.alg, k.state]), [['RS256', 'next'], ['ES256', 'next']]);
    for (const k of added) {
      const activates = Date.parse(k.activatesAt ?? '');
      assert.ok(activates >= before + 2 * 3600_000 && activates <= Date.now() + 2 * 3600_000, k.activatesAt ?? '');
    }
    for (const k of retired) {
      assert.equal(k.retiresAt, added[0]?.activatesAt, 'the old key retires the moment the new one signs');
      // It stays published for the session lifetime (default 1 day) plus an hour.
      assert.equal(Date.parse(k.removesAt ?? '') - Date.parse(k.retiresAt ?? ''), DAY_AND_HOUR_MS);
    }
    const listed = jsonOf<KeyView[]>(await cli(['keys', 'list', '--json']));
    assert.deepEqual(listed.map((k) => k.state).sort(), ['active', 'active', 'next', 'next']);
    const text = await cli(['keys', 'list']);
    assert.match(text.stdout, /^KID\s+ALG\s+STATE\s+CREATED\s+ACTIVATES\s+RETIRES\s+REMOVED/);
    assert.match(text.stdout, new RegExp(`${added[0]?.kid ?? 'missing'}\\s+RS256\\s+next`));
    const audit = jsonOf<AuditEntryView[]>(await cli(['audit', '--json']));
    const entry = audit.find((e) => e.event === 'keys.rotated');
    assert.equal(entry?.detail?.['added'], added.map((k) => k.kid).join(','));
    assert.equal(entry?.detail?.['via'], 'cli');
  });

  test('a second rotation while the new keys still wait is refused (exit 1) without adding any', async () => {
    const result = await cli(['keys', 'rotate', '--alg', 'ES256']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the ES256 key \S+ is already waiting to activate at .*; rotate ES256 again after that/);
    assert.ok(hasNoStackTrace(result));
    assert.equal(jsonOf<KeyView[]>(await cli(['keys', 'list', '--json'])).length, 4);
  });

  test('remove deletes a key that does not sign; removing a next key cancels its rotation', async () => {
    const keys = jsonOf<KeyView[]>(await cli(['keys', 'list', '--json']));
    const activeEs = keys.find((k) => k.alg === 'ES256' && k.state === 'active');
    const nextEs = keys.find((k) => k.alg === 'ES256' && k.state === 'next');
    const refused = await cli(['keys', 'remove', activeEs?.kid ?? '']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /signs now: run "jullix-idp keys rotate --alg ES256 --activate-after 5m"/);
    const removed = await cli(['keys', 'remove', nextEs?.kid ?? '', '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(jsonOf<KeyView>(removed).state, 'next');
    const after = jsonOf<KeyView[]>(await cli(['keys', 'list', '--json']));
    assert.equal(after.length, 3);
    assert.deepEqual(after.find((k) => k.kid === activeEs?.kid)?.retiresAt, null, 'the ES256 key goes on signing');
    const unknown = await cli(['keys', 'remove', 'no-such-key']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no signing key no-such-key/);
    // An older kid may start with '-': after "--" it is a kid, not an option.
    const dashed = await cli(['keys', 'remove', '--', '-no-such-key']);
    assert.equal(dashed.code, 1, dashed.stderr);
    assert.match(dashed.stderr, /no signing key -no-such-key/);
    const bad = await cli(['keys', 'remove', 'not a kid']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /<kid>: must be a key id/);
    assert.ok((jsonOf<AuditEntryView[]>(await cli(['audit', '--json']))).some((e) => e.event === 'keys.removed' && e.detail?.['kid'] === nextEs?.kid));
  });

  test('secrets reencrypt moves the signing keys to a new data-encryption key too', async () => {
    const stored = JSON.parse(await readFile(path.join(dir, 'secrets.json'), 'utf8')) as { dataEncryptionKeys: string[] };
    const oldKey = stored.dataEncryptionKeys[0] ?? '';
    const newKey = randomBytes(32);
    const result = await cli(['secrets', 'reencrypt', '--json'], { DATA_ENCRYPTION_KEYS: `${newKey.toString('base64')},${oldKey}` });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(jsonOf<{ signingKeys: unknown }>(result).signingKeys, { reencrypted: 3, remaining: 0 });
    // A server holding only the new key loads every signing key.
    await withDatabase(dir, async (db) => {
      const ring = await openKeyRing({ secrets: { jwks: undefined, cookieKeys: [], dataEncryptionKeys: [newKey], source: 'environment' }, db, clock: systemClock, logger: createLogger('silent') });
      assert.equal(ring.jwks().keys.length, 3);
    });
  });

  test('with the JWKS variable set, rotate refuses (exit 1) and says how to rotate there; list shows its keys', async () => {
    const jwks = generateSigningKeys();
    const env = { JWKS: JSON.stringify(jwks) };
    const result = await cli(['keys', 'rotate'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /signing keys come from the JWKS environment variable/);
    assert.match(result.stderr, /add the new private key as the second key of JWKS and restart/);
    assert.ok(hasNoStackTrace(result));
    const listed = jsonOf<KeyView[]>(await cli(['keys', 'list', '--json'], env));
    assert.deepEqual(listed.map((k) => [k.kid, k.state, k.source]), jwks.keys.map((k) => [k.kid, 'static', 'environment']));
  });

  test('without the server\'s keys (no secrets.json, no key variables), a command that needs them refuses instead of making new ones', async () => {
    // What an operator's shell without the production environment looks like to a database the server sealed.
    const file = path.join(dir, 'secrets.json');
    const saved = await readFile(file, 'utf8');
    await rm(file);
    try {
      const rotate = await cli(['keys', 'rotate']);
      assert.equal(rotate.code, 1, rotate.stderr);
      assert.match(rotate.stderr, /database already holds secrets sealed with the server's keys; new keys would not open them/);
      assert.match(rotate.stderr, /Run this with the server's environment \(NODE_ENV, DATA_ENCRYPTION_KEYS, COOKIE_KEYS/);
      assert.ok(hasNoStackTrace(rotate));
      assert.equal(existsSync(file), false, 'no secrets.json was written');
      const list = await cli(['user', 'list']);
      assert.equal(list.code, 0, 'a command that needs no keys still works');
      // Listing reads no private key: it shows the stored keys as they are, and writes no file either.
      const keys = await cli(['keys', 'list', '--json']);
      assert.equal(keys.code, 0, keys.stderr);
      assert.ok(jsonOf<KeyView[]>(keys).length > 0);
      assert.equal(existsSync(file), false, 'keys list wrote no secrets.json');
    } finally {
      await writeFile(file, saved, { mode: 0o600 });
    }
  });

  test('with a data-encryption key that does not open the stored keys, rotate refuses before sealing anything', async () => {
    // A shell with another DATA_ENCRYPTION_KEYS would seal a key no instance can open: every
    // instance's reload would then fail, and readiness take them all out of the balancer.
    const before = jsonOf<KeyView[]>(await cli(['keys', 'list', '--json']));
    assert.ok(before.length > 0);
    const other = { DATA_ENCRYPTION_KEYS: Buffer.alloc(32, 7).toString('base64'), COOKIE_KEYS: 'c'.repeat(40) };
    const rotate = await cli(['keys', 'rotate'], other);
    assert.equal(rotate.code, 1, rotate.stderr);
    assert.match(rotate.stderr, /cannot be decrypted: DATA_ENCRYPTION_KEYS must still hold the key it was sealed with/);
    assert.ok(hasNoStackTrace(rotate));
    assert.deepEqual(jsonOf<KeyView[]>(await cli(['keys', 'list', '--json'])).map((k) => k.kid), before.map((k) => k.kid), 'no key added');
  });
});
