import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { withTestDatabases } from '../db/test-database.ts';
import { createAccountStore } from '../accounts/store.ts';
import { manualClock } from '../security/clock.ts';
import { isIdpError } from '../errors.ts';
import { createThrottle } from '../security/throttle.ts';
import { secondFactorBuckets } from '../sign-in/throttle-buckets.ts';
import { createTotpCredentialStore } from './totp-credentials.ts';
import { createRecoveryCodeStore } from './recovery-code-store.ts';
import { generateTotpSecret } from './totp.ts';

for (const backend of await withTestDatabases()) {
  describe(`TOTP credentials and recovery codes (${backend.name})`, async () => {
    const { db, cleanup } = await backend.open({ migrate: true });
    after(cleanup);
    const clock = manualClock(1_800_000_000_000);
    const key = randomBytes(32);
    const accounts = createAccountStore(db, clock);
    const totp = createTotpCredentialStore(db, clock, [key]);
    const alice = await accounts.create({ username: 'alice', email: 'a@x.test', name: 'A', role: 'installer', passwordHash: 'h' });
    const bob = await accounts.create({ username: 'bob', email: 'b@x.test', name: 'B', role: 'installer', passwordHash: 'h' });
    const secret = generateTotpSecret();

    test('a secret round-trips, is not stored in clear, and the proving step counts as used', async () => {
      await totp.enrol(alice.id, secret, 100);
      const row = await db('totp_credentials').where('user_id', alice.id).first() as { secret_ciphertext: string };
      assert.ok(!row.secret_ciphertext.includes(secret));
      const cred = await totp.find(alice.id);
      assert.equal(cred?.secret, secret);
      assert.equal(await totp.acceptStep(cred!.id, 100), false);
      assert.equal(await totp.acceptStep(cred!.id, 101), true);
      assert.equal(await totp.acceptStep(cred!.id, 101), false);
      assert.equal(await totp.acceptStep(cred!.id, 99), false);
    });

    test('an enrolment under a sign-out count that moved on meanwhile (a password reset) leaves no authenticator', async () => {
      const cas = await accounts.create({ username: 'cas', email: 'c@x.test', name: 'C', role: 'installer', passwordHash: 'h' });
      await accounts.setPasswordHash(cas.id, 'h2');
      await assert.rejects(totp.enrol(cas.id, generateTotpSecret(), 100, cas.signOutEpoch), (err) => isIdpError(err, 'signed_out'));
      assert.equal(await totp.has(cas.id), false, 'the secret of the old password\'s holder was taken away');
      const now = await accounts.findById(cas.id);
      assert.ok(now);
      await totp.enrol(cas.id, generateTotpSecret(), 100, now.signOutEpoch);
      assert.equal(await totp.has(cas.id), true, 'under the count as it is, the enrolment stays');
    });

    test('findWithThrottle: the credential and the throttle check from one read', async () => {
      const throttle = createThrottle(db, clock);
      const buckets = secondFactorBuckets(alice.id, '198.51.100.7');
      const quiet = await totp.findWithThrottle(alice.id, buckets);
      assert.equal(quiet.credential?.secret, secret);
      assert.deepEqual(quiet.throttle, { retryAfterMs: 0, counted: new Set() });
      for (let i = 0; i < 5; i++) await throttle.fail(buckets);
      const throttled = await totp.findWithThrottle(alice.id, buckets);
      assert.deepEqual(throttled.credential, await totp.find(alice.id));
      assert.deepEqual(throttled.throttle, await throttle.check(buckets), 'the same answer as the throttle gives');
      assert.equal(throttled.throttle.retryAfterMs, 2000);
      assert.deepEqual(throttled.throttle.counted, new Set(buckets.map((b) => b.key)));
      const none = await totp.findWithThrottle(bob.id, secondFactorBuckets(bob.id, '198.51.100.7'));
      assert.equal(none.credential, undefined, 'no credential, while the address counter is still read');
      assert.deepEqual(none.throttle.counted, new Set(['otp:ip:198.51.100.7']));
      assert.equal((await totp.findWithThrottle(alice.id, [])).throttle.retryAfterMs, 0);
      await throttle.reset(buckets.map((b) => b.key));
    });

    test('concurrent submissions of one step: exactly one wins', async () => {
      const cred = await totp.find(alice.id);
      const results = await Promise.all(Array.from({ length: 8 }, () => totp.acceptStep(cred!.id, 200)));
      assert.equal(results.filter(Boolean).length, 1);
    });

    test('a ciphertext copied to another user\'s row does not decrypt', async () => {
      await totp.enrol(bob.id, generateTotpSecret(), 1);
      const stolen = await db('totp_credentials').where('user_id', alice.id).first() as { secret_ciphertext: string };
      await db('totp_credentials').where('user_id', bob.id).update({ secret_ciphertext: stolen.secret_ciphertext });
      await assert.rejects(totp.find(bob.id), (err) => isIdpError(err, 'decrypt_failed'));
    });

    test('a second enrolment for the same user is refused, not replacing the first', async () => {
      await assert.rejects(totp.enrol(alice.id, generateTotpSecret(), 1), (err) => isIdpError(err, 'conflict'));
      assert.equal((await totp.find(alice.id))?.secret, secret);
    });

    test('recovery codes: ten, each once, in any order, only hashes stored, old key still works after rotation', async () => {
      const store = createRecoveryCodeStore(db, clock, [key]);
      const codes = await store.regenerate(alice.id);
      assert.equal(codes.length, 10);
      const rows = await db('recovery_codes').where('user_id', alice.id) as Array<{ code_hash: string }>;
      for (const c of codes) assert.ok(rows.every((r) => !r.code_hash.includes(c.replace('-', ''))));
      assert.equal(await store.consume(alice.id, codes[7]!), true);
      assert.equal(await store.consume(alice.id, codes[7]!), false);
      assert.equal(await store.consume(bob.id, codes[0]!), false, 'codes belong to their user');
      const rotated = createRecoveryCodeStore(db, clock, [randomBytes(32), key]);
      assert.equal(await rotated.consume(alice.id, ` ${codes[2]!.toUpperCase()} `), true);
      assert.equal(await store.remaining(alice.id), 8);
      const fresh = await store.regenerate(alice.id);
      assert.equal(await store.consume(alice.id, codes[0]!), false, 'regenerating voids the old codes');
      assert.equal(await store.consume(alice.id, fresh[0]!), true);
    });
  });
}
