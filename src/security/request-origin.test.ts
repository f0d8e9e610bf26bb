import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSaneOrigin } from './request-origin.ts';

test('ordinary hosts, IPs and ports are accepted', () => {
  for (const host of ['login.example.com', 'LOGIN.Example.com', 'localhost:3000', '127.0.0.1', '[::1]:8080', 'example.com:443']) {
    assert.equal(isSaneOrigin('https', host), true, host);
  }
  assert.equal(isSaneOrigin('http', 'example.com:80'), true);
});

test('unparseable hosts, smuggled parts and other schemes are refused', () => {
  for (const host of ['', '[::1', 'a b', 'evil.example:99999', 'user@evil.example', 'evil.example/path', 'evil.example?x', 'evil.example#x', 'x'.repeat(300)]) {
    assert.equal(isSaneOrigin('https', host), false, host);
  }
  for (const protocol of ['gopher', 'javascript', 'https, http', '']) assert.equal(isSaneOrigin(protocol, 'example.com'), false, protocol);
});
