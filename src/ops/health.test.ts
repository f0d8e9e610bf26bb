// Integration: health endpoints and a graceful stop (readiness 503 first, requests in flight finish).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { drainSettled } from './health.ts';
import { manualClock } from '../security/clock.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';

describe('health and lifecycle', () => {
  let idp: TestIdp;
  before(async () => { idp = await startTestIdp({ backend: backends()[0]! }); });
  after(() => idp.stop());

  test('/health/live and /health/ready answer, uncached', async () => {
    const live = await fetch(`${idp.url}/health/live`);
    assert.equal(live.status, 200);
    assert.equal(live.headers.get('cache-control'), 'no-store');
    const ready = await fetch(`${idp.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: Record<string, string> }).checks, { database: 'ok', migrations: 'ok', keys: 'ok' });
  });

  test('ready turns 503 when the database is gone', async () => {
    const { readiness } = await import('./health.ts');
    const knex = (await import('knex')).default;
    const broken = knex({ client: 'pg', connection: 'postgres://nobody@127.0.0.1:1/none', acquireConnectionTimeout: 500 });
    const result = await readiness({ db: broken, keys: () => 'ok' });
    await broken.destroy();
    assert.equal(result.ok, false);
    assert.equal(result.checks.database, 'unavailable');
  });
});

describe('readiness while the signing keys cannot be reloaded', () => {
  test('503 with the keys stale once reloads failed for more than two intervals, 200 again after one works', async () => {
    const clock = manualClock(Date.parse('2026-12-01T10:00:00.000Z'));
    const idp = await startTestIdp({ backend: backends()[0]!, clock, env: { SIGNING_KEYS_REFRESH_SECONDS: '30' } });
    const ready = async () => {
      const res = await fetch(`${idp.url}/health/ready`);
      return { status: res.status, keys: ((await res.json()) as { checks: Record<string, string> }).checks.keys };
    };
    try {
      // A key sealed with a data-encryption key this instance does not have, as after a rotation by a CLI with other secrets.
      const row = await idp.db('signing_keys').first('kid', 'private_jwk_ciphertext') as { kid: string; private_jwk_ciphertext: string };
      await idp.db('signing_keys').where({ kid: row.kid }).update({ private_jwk_ciphertext: 'v1.garbage' });
      await assert.rejects(idp.app.signingKeys.refresh(), /cannot be decrypted/);
      clock.advance(60_000);
      assert.deepEqual(await ready(), { status: 200, keys: 'ok' }, 'within two intervals: may be a blip');
      clock.advance(1);
      assert.deepEqual(await ready(), { status: 503, keys: 'stale: reload failing since 2026-12-01T10:00:00.000Z' });
      await idp.db('signing_keys').where({ kid: row.kid }).update({ private_jwk_ciphertext: row.private_jwk_ciphertext });
      // No scheduled reload comes (the clock stands still): the stale probe itself tries again.
      assert.equal((await ready()).status, 503, 'this probe starts the reload');
      let after = await ready();
      for (let i = 0; i < 100 && after.status !== 200; i++) after = await new Promise((resolve) => setTimeout(resolve, 20)).then(ready);
      assert.deepEqual(after, { status: 200, keys: 'ok' });
    } finally {
      await idp.stop();
    }
  });
});

describe('graceful stop', () => {
  test('requests already received are answered before the server closes; new ones are refused', async () => {
    const idp = await startTestIdp({ backend: backends()[0]! });
    let received = 0;
    const allReceived = new Promise<void>((resolve) => idp.server.on('request', () => { if (++received === 20) resolve(); }));
    const inFlight = Array.from({ length: 20 }, () => fetch(`${idp.url}/.well-known/openid-configuration`).then((r) => r.status, () => 0));
    await allReceived;
    await idp.stop();
    assert.deepEqual(await Promise.all(inFlight), Array(20).fill(200));
    const refused = await fetch(`${idp.url}/health/live`).then(() => 'answered', () => 'refused');
    assert.equal(refused, 'refused', 'no new connections after close');
  });
});

describe('drain before stopping', () => {
  test('the listener closes after a quiet period with no requests, or after the longest wait', () => {
    const t = { startedAt: 1000, quietMs: 500, maxMs: 3000 };
    assert.equal(drainSettled({ ...t, lastRequestAt: 900, now: 1200 }), false, 'a request came just before: the balancer may not know yet');
    assert.equal(drainSettled({ ...t, lastRequestAt: 900, now: 1500 }), true, 'nothing since the drain began, for quietMs');
    assert.equal(drainSettled({ ...t, lastRequestAt: 2000, now: 2400 }), false, 'traffic still arriving');
    assert.equal(drainSettled({ ...t, lastRequestAt: 2000, now: 2500 }), true);
    assert.equal(drainSettled({ ...t, lastRequestAt: 3990, now: 4000 }), true, 'never quiet: stop waiting at maxMs');
    assert.equal(drainSettled({ ...t, quietMs: 0, maxMs: 0, lastRequestAt: 1000, now: 1000 }), true, 'no drain asked: stop at once');
  });

  test('while draining, readiness is 503, requests are still served but close their connection, and the listener waits for quiet', async () => {
    const idp = await startTestIdp({ backend: backends()[0]! });
    const agent = new http.Agent({ keepAlive: true });
    const get = (path: string) => new Promise<{ status: number; connection: string; body: string }>((resolve, reject) => {
      http.get(`${idp.url}${path}`, { agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection ?? '', body }));
      }).on('error', reject);
    });
    try {
      assert.equal((await get('/health/ready')).connection, 'keep-alive', 'keep-alive before the drain');
      const began = performance.now();
      let closedAt = 0;
      const closing = idp.close(5000, { quietMs: 400, maxMs: 4000 }).then(() => { closedAt = performance.now(); });
      const ready = await get('/health/ready');
      assert.deepEqual([ready.status, JSON.parse(ready.body), ready.connection], [503, { status: 'draining' }, 'close']);
      let lastRequest = 0;
      for (let i = 0; i < 4; i++) {
        const page = await get('/.well-known/openid-configuration');
        assert.deepEqual([page.status, page.connection], [200, 'close'], 'still served, without keeping the socket');
        lastRequest = performance.now();
        await new Promise((r) => setTimeout(r, 150));
      }
      await closing;
      assert.ok(closedAt - lastRequest >= 350, `closed ${Math.round(closedAt - lastRequest)} ms after the last request`);
      assert.ok(closedAt - began < 4500);
      const refused = await fetch(`${idp.url}/health/live`).then(() => 'answered', () => 'refused');
      assert.equal(refused, 'refused');
    } finally {
      agent.destroy();
      await idp.stop();
    }
  });
});
