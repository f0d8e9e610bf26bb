import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from 'oidc-provider';
import { applyThirdPartyPolicy } from './registration-policy.ts';

test('a registrant cannot make its own app first-party', () => {
  const p: Record<string, unknown> = { redirect_uris: ['https://app.example/cb'], jullix_first_party: true };
  applyThirdPartyPolicy(p);
  assert.equal('jullix_first_party' in p, false);
});

test('plain http outside loopback, fragments and wildcards are refused with the RFC 7591 error', () => {
  for (const uri of ['http://evil.example/cb', 'https://app.example/cb#x', 'https://*.example/cb']) {
    assert.throws(() => applyThirdPartyPolicy({ redirect_uris: [uri] }), (err) => err instanceof errors.InvalidRedirectUri);
  }
  assert.throws(() => applyThirdPartyPolicy({ redirect_uris: ['https://a.example/cb'], post_logout_redirect_uris: ['http://evil.example/'] }), (err) => err instanceof errors.InvalidClientMetadata);
  assert.throws(() => applyThirdPartyPolicy({ redirect_uris: ['https://a.example/cb'], backchannel_logout_uri: 'http://evil.example/bc' }), (err) => err instanceof errors.InvalidClientMetadata);
  assert.doesNotThrow(() => applyThirdPartyPolicy({ redirect_uris: ['http://127.0.0.1:9000/cb', 'https://a.example/cb'] }));
});
