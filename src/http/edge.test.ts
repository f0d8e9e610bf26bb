// The edge every response passes: what it adds to answers, and what an error leaves of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { loadConfig } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { useEdge } from './edge.ts';

async function serve(handler: Koa.Middleware): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  useEdge(app, { config: loadConfig({ PORT: '3000', DATA_DIR: '/tmp/jullix-edge-test' }), logger: createLogger('silent'), metrics: undefined, basePath: '' });
  app.use(handler);
  const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

test('an error after an answer was written (a redirect with a code) is a 500 without that Location and body', async () => {
  const app = await serve(async (ctx) => {
    ctx.redirect('https://app.example/cb?code=secret-code');
    throw new Error('the database went away');
  });
  try {
    const res = await fetch(app.url, { redirect: 'manual' });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('location'), null);
    const body = await res.text();
    assert.doesNotMatch(body, /secret-code/);
    assert.match(body, /^Internal error \(request [0-9a-f-]+\)\.$/);
  } finally {
    await app.close();
  }
});
