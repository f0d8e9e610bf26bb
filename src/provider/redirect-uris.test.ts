import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateRedirectUri } from './redirect-uris.ts';

describe('validateRedirectUri', () => {
  const accepted = [
    'https://app.example.com/callback',
    'https://app.example.com:8443/cb?tenant=1',
    'http://localhost:8080/cb',
    'http://127.0.0.1/cb',
    'http://[::1]:3000/cb',
    'https://localhost/cb',
  ];
  for (const uri of accepted) {
    test(`accepts ${uri}`, () => assert.deepEqual(validateRedirectUri(uri), { ok: true }));
  }

  const rejected: Array<[string, RegExp]> = [
    ['/callback', /absolute URI/],
    ['app.example.com/callback', /absolute URI/],
    ['', /absolute URI/],
    ['http://app.example.com/cb', /must use https.*loopback/],
    ['http://localhost.evil.example/cb', /must use https/],
    ['http://127.0.0.2/cb', /must use https/],
    ['https://app.example.com/cb#done', /fragment/],
    ['https://app.example.com/cb#', /fragment/],
    ['https://*.example.com/cb', /wildcard/],
    ['https://app.example.com/*', /wildcard/],
    ['https://user:pw@app.example.com/cb', /user credentials/],
    ['https://@app.example.com/cb', /user credentials/],
    ['http://localhost:8080@evil.example/cb', /user credentials/],
    ['com.example.app:/oauth', /custom scheme "com\.example\.app:"/],
    ['javascript:alert(1)', /custom scheme/],
    ['file:///etc/passwd', /custom scheme/],
  ];
  for (const [uri, reason] of rejected) {
    test(`rejects ${JSON.stringify(uri)}`, () => {
      const verdict = validateRedirectUri(uri);
      assert.equal(verdict.ok, false);
      if (!verdict.ok) assert.match(verdict.reason, reason);
    });
  }
});
