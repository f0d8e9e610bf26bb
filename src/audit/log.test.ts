import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { withTestDatabases } from '../db/test-database.ts';
import { manualClock } from '../security/clock.ts';
import { createAuditLog, keepInLogOnFailure, type AuditLog } from './log.ts';
import { createLogger } from '../log.ts';

const T0 = Date.UTC(2026, 10, 25, 12);

for (const backend of await withTestDatabases()) {
  describe(`audit log on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let audit: AuditLog;
    const clock = manualClock(T0);
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      audit = createAuditLog(db, clock);
    });
    after(() => cleanup?.());

    test('record stores every field and list returns them newest first', async () => {
      await audit.record({ event: 'user.created', userId: 'u1', username: 'alice' });
      clock.advance(1000);
      await audit.record({
        event: 'login.password.failure', userId: 'u1', username: 'alice', ip: '127.0.1.5', clientId: 'portal',
        detail: { reason: 'bad_password', attempts: 3, locked: false, note: null },
      });
      // Same millisecond: insertion order still decides.
      await audit.record({ event: 'login.throttled', ip: '127.0.1.5' });
      await audit.record({ event: 'user.created', userId: 'u2', username: 'bob' });

      const all = await audit.list();
      assert.deepEqual(all.map((e) => e.event), ['user.created', 'login.throttled', 'login.password.failure', 'user.created']);
      const failure = all[2];
      assert.ok(failure);
      assert.equal(failure.at.getTime(), T0 + 1000);
      assert.equal(failure.clientId, 'portal');
      assert.equal(failure.ip, '127.0.1.5');
      assert.deepEqual(failure.detail, { reason: 'bad_password', attempts: 3, locked: false, note: null });
      const throttled = all[1];
      assert.ok(throttled);
      assert.equal(throttled.userId, null);
      assert.equal(throttled.detail, null);
    });

    test('list filters by user and honours the limit', async () => {
      assert.deepEqual((await audit.list({ userId: 'u1' })).map((e) => e.event), ['login.password.failure', 'user.created']);
      assert.deepEqual((await audit.list({ userId: 'u1', limit: 1 })).map((e) => e.event), ['login.password.failure']);
      assert.equal((await audit.list({ limit: 0 })).length, 1); // clamped to at least one
      assert.deepEqual(await audit.list({ userId: 'nobody' }), []);
    });

    test('recordAll writes every record in one go, listed in the order given', async () => {
      clock.advance(1000);
      await audit.recordAll([
        { event: 'totp.success', userId: 'u3', username: 'carol', ip: '127.0.1.6', clientId: 'portal' },
        { event: 'login.success', userId: 'u3', username: 'carol', ip: '127.0.1.6', clientId: 'portal', detail: { acr: 'aal2', amr: 'pwd otp' } },
      ]);
      await audit.recordAll([]);
      const mine = await audit.list({ userId: 'u3' });
      assert.deepEqual(mine.map((e) => e.event), ['login.success', 'totp.success']);
      assert.deepEqual(mine.map((e) => e.at.getTime()), [T0 + 2000, T0 + 2000]);
      assert.deepEqual(mine[0]?.detail, { acr: 'aal2', amr: 'pwd otp' });
      assert.equal(mine[1]?.detail, null);
      assert.equal(mine[1]?.clientId, 'portal');
      assert.equal((await audit.list()).length, 6, 'the empty batch wrote nothing');
    });

    test('a record whose detail is no JSON is listed with that text, and the rest of the trail with it', async () => {
      await audit.record({ event: 'login.success', username: 'hand-edited' });
      await db('audit_log').where('username', 'hand-edited').update({ detail: '{oops' });
      const listed = await audit.list();
      assert.deepEqual(listed.find((e) => e.username === 'hand-edited')?.detail, { unreadable: '{oops' });
      assert.ok(listed.length > 1, 'the other records are listed too');
    });
  });
}

test('keepInLogOnFailure: a record the database refused is in the server log, and the caller still hears the failure', async () => {
  const lines: string[] = [];
  let fail = false;
  const inner: AuditLog = {
    record: async () => { if (fail) throw new Error('database gone'); },
    recordAll: async () => { if (fail) throw new Error('database gone'); },
    list: async () => [],
  };
  const audit = keepInLogOnFailure(inner, createLogger('info', {}, (l) => lines.push(l)));
  await audit.record({ event: 'totp.success', username: 'alice' });
  assert.deepEqual(lines, [], 'nothing is logged while the database stores them');
  fail = true;
  await assert.rejects(audit.record({ event: 'login.password.failure', username: 'mallory', ip: '192.0.2.7', detail: { reason: 'bad_password' } }), /database gone/);
  await assert.rejects(audit.recordAll([{ event: 'totp.success', userId: 'u1', username: 'bob' }, { event: 'login.success', userId: 'u1', username: 'bob', detail: { acr: 'aal2' } }]), /database gone/);
  const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(logged.map((l) => [l['level'], l['event'], l['username']]), [['error', 'login.password.failure', 'mallory'], ['error', 'totp.success', 'bob'], ['error', 'login.success', 'bob']]);
  assert.equal(logged[0]?.['ip'], '192.0.2.7');
  assert.deepEqual(logged[0]?.['detail'], { reason: 'bad_password' });
  assert.deepEqual(logged[2]?.['detail'], { acr: 'aal2' });
});
