import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mayCallLoopback, validateBackchannelLogoutUri, validateHttpsUrl, validateRedirectUri, type RedirectUriVerdict } from './redirect-uris.ts';

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
    ['com.example.app:/oauth', /custom scheme "com\.example\.app:".*a native app can use a loopback redirect/],
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

function table(name: string, validate: (uri: string) => RedirectUriVerdict, accepted: string[], rejected: Array<[string, RegExp]>) {
  describe(name, () => {
    for (const uri of accepted) test(`accepts ${uri}`, () => assert.deepEqual(validate(uri), { ok: true }));
    for (const [uri, reason] of rejected) {
      test(`rejects ${JSON.stringify(uri)}`, () => {
        const verdict = validate(uri);
        assert.equal(verdict.ok, false);
        if (!verdict.ok) assert.match(verdict.reason, reason);
      });
    }
  });
}

table('validateBackchannelLogoutUri', validateBackchannelLogoutUri,
  ['https://app.example.com/logout', 'https://app.example.com/bc?tenant=1', 'http://localhost:8080/logout', 'http://127.0.0.1/logout'],
  [
    ['http://app.example.com/logout', /must use https: plain http is allowed only for loopback/],
    ['https://app.example.com/logout#x', /fragment/],
    ['/logout', /absolute URL/],
    ['javascript:alert(1)', /scheme "javascript:": it must be https/],
    ['https://user@app.example.com/logout', /user credentials/],
  ]);

table('validateHttpsUrl', validateHttpsUrl,
  ['https://app.example.com/', 'https://cdn.example.com/logo.png?v=2', 'https://app.example.com/about#team'],
  [
    ['http://app.example.com/logo.png', /https URL/],
    ['http://localhost/logo.png', /https URL/],
    ['data:image/png;base64,AAAA', /https URL/],
    ['javascript:alert(1)', /https URL/],
    ['//app.example.com/logo.png', /https URL/],
    ['https://user:pw@app.example.com/', /user credentials/],
  ]);

test('mayCallLoopback: the SSRF guard is lifted only for a loopback http issuer calling a loopback app', () => {
  assert.equal(mayCallLoopback('http://localhost:3000', 'http://127.0.0.1:8080/backchannel'), true);
  assert.equal(mayCallLoopback('http://127.0.0.1:3000/idp', 'http://[::1]:8080/logout'), true);
  for (const [issuer, target] of [
    ['https://login.example.com', 'http://127.0.0.1:8080/backchannel'],
    ['https://localhost:3000', 'http://127.0.0.1:8080/backchannel'],
    ['http://localhost:3000', 'http://10.0.0.1/backchannel'],
    ['http://localhost:3000', 'https://169.254.169.254/latest/meta-data'],
    ['http://localhost.evil.example', 'http://127.0.0.1/backchannel'],
    ['http://localhost:3000', 'http://127.0.0.1@evil.example/'],
    ['not a url', 'http://127.0.0.1/'],
  ] as const) assert.equal(mayCallLoopback(issuer, target), false, `${issuer} -> ${target}`);
});
