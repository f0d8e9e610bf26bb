// The issuer must be written in its URL's normalised form; the message says what to write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issuerSpellingProblem } from './issuer.ts';

test('an issuer in normal form passes, the path keeping its case', () => {
  for (const ok of ['https://idp.example.com', 'https://idp.example.com:8443', 'http://localhost:3000', 'https://idp.example.com/Tenant/idp', 'https://xn--bcher-kva.example', 'http://[::1]:3000']) {
    assert.equal(issuerSpellingProblem(ok), undefined, ok);
  }
});

test('an explicit default port: drop it', () => {
  assert.equal(issuerSpellingProblem('https://idp.example.com:443'), 'must be written as https://idp.example.com (drop the default port :443)');
  assert.equal(issuerSpellingProblem('http://localhost:80'), 'must be written as http://localhost (drop the default port :80)');
  assert.equal(issuerSpellingProblem('https://idp.example.com:443/idp'), 'must be written as https://idp.example.com/idp (drop the default port :443)');
  assert.equal(issuerSpellingProblem('https://idp.example.com:'), 'must be written as https://idp.example.com (drop the ":" with no port after it)');
});

test('a host outside ASCII: its punycode form', () => {
  assert.equal(issuerSpellingProblem('https://bücher.example'), 'must be written as https://xn--bcher-kva.example (write the host in its ASCII (punycode) form)');
  assert.equal(issuerSpellingProblem('https://Bücher.example:443'), 'must be written as https://xn--bcher-kva.example (drop the default port :443; write the host in its ASCII (punycode) form)');
});

test('capitals before the path, and other spellings, name the normal form', () => {
  assert.equal(issuerSpellingProblem('HTTPS://IdP.example.com/Path'), 'must be written as https://idp.example.com/Path (write the scheme and host in lower case)');
  assert.equal(issuerSpellingProblem('http://127.1:3000'), 'must be written as http://127.0.0.1:3000 (the host as a URL writes it)');
  assert.equal(issuerSpellingProblem('https://idp.example.com/a/../idp'), 'must be written as https://idp.example.com/idp (the path as a URL writes it)');
});
