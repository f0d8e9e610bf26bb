// A URL the CLI prints from its own issuer comes with a notice when that issuer is the built-in default.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultIssuerNotice } from './issuer-notice.ts';

test('the built-in issuer (http://localhost:<PORT>) is named as the one used', () => {
  assert.equal(defaultIssuerNotice('http://localhost:3000', 3000, 'The registration endpoint'),
    'The registration endpoint uses the built-in default issuer http://localhost:3000: if the server runs with another ISSUER, set it for this command too.');
  assert.match(defaultIssuerNotice('http://localhost', 80, 'The issuer') ?? '', /default issuer http:\/\/localhost:/);
});

test('a set issuer is taken as the server\'s: no notice', () => {
  assert.equal(defaultIssuerNotice('https://login.example.com', 3000, 'x'), undefined);
  assert.equal(defaultIssuerNotice('http://localhost:8080', 3000, 'x'), undefined, 'another port than PORT gives: set on purpose');
});
