// The language switcher's return path is the one place a query value becomes a redirect target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from 'koa';
import { backPathFor, safeBackPath } from './language.ts';

const PROBES = ['//evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example', '/\t/evil.example', '/\n/evil.example',
  '/ /evil.example', '/%2F/evil.example', '/.//evil.example', 'javascript:alert(1)', ' //evil.example', '/\u3002evil.example', '/\u0000//evil.example'];

test('safeBackPath: every probe resolves on this site, whatever a URL parser makes of it', () => {
  for (const back of PROBES) {
    const path = safeBackPath(back, '/idp');
    assert.equal(new URL(path, 'http://idp.test/x').origin, 'http://idp.test', JSON.stringify(back));
    assert.ok(!/[\u0000-\u0020]/.test(path), `no control characters or spaces: ${JSON.stringify(path)}`);
  }
});

test('safeBackPath: our own pages come back as they were; anything else falls back to the issuer root', () => {
  assert.equal(safeBackPath('/idp/interaction/abc?x=1', '/idp'), '/idp/interaction/abc?x=1');
  assert.equal(safeBackPath('/\t/evil.example', '/idp'), '/idp/');
  assert.equal(safeBackPath(undefined, ''), '/');
  assert.equal(safeBackPath('/'.padEnd(600, 'a'), ''), '/');
});

test('backPathFor: the page as the browser asked for it, the issuer\'s path included, also on the provider\'s own pages', () => {
  const ctx = (method: string, url: string, originalUrl?: string) => ({ method, url, path: url.split('?')[0], originalUrl: url, req: originalUrl === undefined ? {} : { originalUrl } }) as unknown as Context;
  // The provider's logout page under ISSUER=https://…/idp: it sees /session/end (src/http/dispatch.ts).
  assert.equal(backPathFor(ctx('GET', '/session/end?client_id=app', '/idp/session/end?client_id=app')), '/idp/session/end', 'no query reflected');
  assert.equal(backPathFor(ctx('GET', '/idp/interaction/abc?lang=1')), '/idp/interaction/abc?lang=1');
  assert.equal(backPathFor(ctx('POST', '/idp/interaction/abc/login')), '/idp/interaction/abc');
  assert.equal(backPathFor(ctx('POST', '/session/end/confirm', '/idp/session/end/confirm')), '/idp/session/end/confirm');
});
