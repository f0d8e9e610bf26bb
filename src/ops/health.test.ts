// Integration: health endpoints and a graceful stop (requests in flight finish).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
    const result = await readiness({ db: broken, keysLoaded: () => true });
    await broken.destroy();
    assert.equal(result.ok, false);
    assert.equal(result.checks.database, 'unavailable');
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
