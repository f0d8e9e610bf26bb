import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from 'oidc-provider';
import { applyThirdPartyPolicy } from './registration-policy.ts';

const WEB_APP = { redirect_uris: ['https://app.example/cb'] };
const SERVICE = { grant_types: ['client_credentials'], response_types: [] };

/** The policy refuses `properties` with this RFC 7591 error code and a description matching `description`. */
function refuses(properties: Record<string, unknown>, error: string, description: RegExp | string): void {
  const expected = typeof description === 'string' ? (d: string) => d.startsWith(description) : (d: string) => description.test(d);
  assert.throws(() => applyThirdPartyPolicy(properties), (err) => {
    assert.ok(err instanceof errors.OIDCProviderError, 'an oidc-provider error, answered as RFC 7591 JSON');
    assert.equal(err.error, error);
    assert.ok(expected(err.error_description ?? ''), `${JSON.stringify(properties)}: ${err.error_description}`);
    return true;
  });
}

test('a registrant cannot make its own app first-party', () => {
  const p: Record<string, unknown> = { ...WEB_APP, jullix_first_party: true };
  applyThirdPartyPolicy(p);
  assert.equal('jullix_first_party' in p, false);
});

test('a refused redirect URI is invalid_redirect_uri with the reason, not the authorization endpoint\'s text', () => {
  const reasons: Array<[uri: string, reason: RegExp]> = [
    ['http://evil.example/cb', /must use https: plain http is allowed only for loopback hosts/],
    ['https://app.example/cb#x', /must not contain a fragment/],
    ['javascript:alert(1)', /uses the custom scheme "javascript:"/],
    ['https://*.example/cb', /must not contain a wildcard/],
    ['com.example.app:/cb', /uses the custom scheme "com.example.app:"/],
    ['https://user@app.example/cb', /must not contain user credentials/],
    ['/cb', /must be an absolute URI/],
  ];
  for (const [uri, reason] of reasons) {
    refuses({ redirect_uris: ['https://ok.example/cb', uri] }, 'invalid_redirect_uri', `redirect_uris: "${uri}" `);
    refuses({ redirect_uris: [uri] }, 'invalid_redirect_uri', reason);
  }
  assert.doesNotThrow(() => applyThirdPartyPolicy({ redirect_uris: ['http://127.0.0.1:9000/cb', 'https://a.example/cb'] }));
});

test('other refused URLs are invalid_client_metadata naming their field', () => {
  refuses({ ...WEB_APP, post_logout_redirect_uris: ['http://evil.example/'] }, 'invalid_client_metadata', /^post_logout_redirect_uris: "http:\/\/evil.example\/" must use https/);
  refuses({ ...WEB_APP, backchannel_logout_uri: 'http://evil.example/bc' }, 'invalid_client_metadata', /^backchannel_logout_uri: "http:\/\/evil.example\/bc" must use https/);
});

test('logo_uri, client_uri, policy_uri and tos_uri are shown to people: https only', () => {
  for (const field of ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri']) {
    refuses({ ...WEB_APP, [field]: 'http://evil.example.com/logo.png' }, 'invalid_client_metadata', new RegExp(`^${field}: "http://evil.example.com/logo.png" must be an https URL`));
    assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, [field]: 'https://app.example/page' }));
  }
});

test('client_credentials needs a confidential client (RFC 6749 §4.4)', () => {
  refuses({ ...SERVICE, token_endpoint_auth_method: 'none' }, 'invalid_client_metadata', /^grant_types: client_credentials needs a confidential client/);
  refuses({ grant_types: ['authorization_code', 'client_credentials'], token_endpoint_auth_method: 'none', ...WEB_APP }, 'invalid_client_metadata', /^grant_types: client_credentials needs a confidential client/);
  // oidc-provider's default method, client_secret_basic, is confidential.
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...SERVICE }));
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...SERVICE, token_endpoint_auth_method: 'client_secret_post' }));
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, token_endpoint_auth_method: 'none' }), 'a public client signing users in is fine');
});

test('the admin CLI\'s other rules: refresh_token needs a sign-in; sign-in settings need one too', () => {
  refuses({ ...WEB_APP, grant_types: ['refresh_token'] }, 'invalid_client_metadata', /^grant_types: refresh_token needs authorization_code as well/);
  refuses({ ...SERVICE, default_acr_values: ['aal2'] }, 'invalid_client_metadata', /^default_acr_values: requiring the second factor is only for clients that sign users in/);
  refuses({ ...SERVICE, default_acr_values: ['aal1'] }, 'invalid_client_metadata', /^default_acr_values: asking for an authentication level is only for clients that sign users in/);
  refuses({ ...SERVICE, backchannel_logout_uri: 'https://svc.example/bc' }, 'invalid_client_metadata', /^backchannel_logout_uri: is only for clients that sign users in/);
  refuses({ ...SERVICE, post_logout_redirect_uris: ['https://svc.example/'] }, 'invalid_client_metadata', /^post_logout_redirect_uris: are only for clients that sign users in/);
  refuses({ grant_types: [] }, 'invalid_client_metadata', /^grant_types: must name at least one grant type/);
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, grant_types: ['authorization_code', 'refresh_token'], default_acr_values: ['aal2'] }));
});

test('a field left out or null gets oidc-provider\'s default; a mistyped one is left to oidc-provider', () => {
  refuses({}, 'invalid_redirect_uri', /^redirect_uris: is required \(at least one\) for the authorization_code grant/);
  refuses({ ...SERVICE, token_endpoint_auth_method: 'none', default_acr_values: null }, 'invalid_client_metadata', /^grant_types: client_credentials needs a confidential client/);
  // oidc-provider answers these with its own "must be an array" / "must be a string" errors.
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, grant_types: 'client_credentials', token_endpoint_auth_method: 'none' }));
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...SERVICE, token_endpoint_auth_method: 7 }));
});

test('response_types and grant_types must agree (RFC 7591 §2.1): oidc-provider would quietly change the grants', () => {
  refuses({ grant_types: ['client_credentials'] }, 'invalid_client_metadata', /^response_types: "code" \(the default when it is left out\) needs the authorization_code grant; a client that does not sign users in sends "response_types": \[\]/);
  refuses({ ...SERVICE, response_types: ['code'] }, 'invalid_client_metadata', /^response_types: "code" needs the authorization_code grant/);
  refuses({ ...WEB_APP, response_types: [] }, 'invalid_client_metadata', /^grant_types: authorization_code \(the default when it is left out\) needs the response type "code"/);
  refuses({ ...WEB_APP, grant_types: ['authorization_code', 'refresh_token'], response_types: [] }, 'invalid_client_metadata', /^grant_types: authorization_code needs the response type "code"/);
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, response_types: ['code'] }));
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, grant_types: ['authorization_code', 'client_credentials'] }));
  // Unserved response types are oidc-provider's to refuse ("response_types can only contain 'code'").
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, response_types: ['code id_token'] }));
});

test('on update, an operator\'s first-party decision stays, whatever the registrant sends', () => {
  const kept: Record<string, unknown> = { ...WEB_APP };
  applyThirdPartyPolicy(kept, { ...WEB_APP, jullix_first_party: true });
  assert.equal(kept.jullix_first_party, true);
  const claimed: Record<string, unknown> = { ...WEB_APP, jullix_first_party: true };
  applyThirdPartyPolicy(claimed, { ...WEB_APP });
  assert.equal('jullix_first_party' in claimed, false);
});

test('client_name: invisible format characters are refused, joiners that join letters or emoji are kept', () => {
  const hidden = ['\u200b', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u2064', '\u{e0041}'];
  for (const c of hidden) refuses({ ...WEB_APP, client_name: `Jullix${c}Portal` }, 'invalid_client_metadata', /^client_name: must not contain invisible format characters such as U\+/);
  refuses({ ...WEB_APP, client_name: 'Jullix\u200bPortal' }, 'invalid_client_metadata', 'client_name: must not contain invisible format characters such as U+200B');
  // A joiner that joins nothing: at an end, next to a space, doubled.
  for (const name of ['\u200dJullix', 'Jullix\u200c', 'Jullix \u200dPortal', 'Jul\u200d\u200dlix']) {
    refuses({ ...WEB_APP, client_name: name }, 'invalid_client_metadata', /^client_name: must not contain invisible format characters such as U\+200[CD]/);
  }
  // Persian (ZWNJ in می‌خواهم), Hindi (ZWJ after a virama), emoji sequences (ZWJ, with a skin tone too).
  for (const name of ['برنامه می\u200cخواهم', 'क्\u200dष ऐप', 'Dev 👩\u200d💻', 'Dev 👩🏽\u200d💻', 'Love ❤️\u200d🔥']) {
    assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, client_name: name }), name);
  }
  // A localized name (RFC 7591 §2.2) is shown as well: the same rule, named by its own field.
  refuses({ ...WEB_APP, client_name: 'Portal', 'client_name#fr': 'Portail\u200b' }, 'invalid_client_metadata', 'client_name#fr: must not contain invisible format characters');
  refuses({ ...WEB_APP, 'client_name#nl-BE': 'Portaal \u202eX' }, 'invalid_client_metadata', 'client_name#nl-BE: must not contain bidirectional control characters');
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, client_name: 'Portal', 'client_name#fr': 'Portail Énergie' }));
});

test('on update to a method without a secret, the old secret is dropped; a new registration is oidc-provider\'s', () => {
  const secret = { client_secret: 's3cret', client_secret_expires_at: 0 };
  for (const method of ['none', 'private_key_jwt']) {
    const p: Record<string, unknown> = { ...WEB_APP, ...secret, token_endpoint_auth_method: method };
    applyThirdPartyPolicy(p, { ...WEB_APP, ...secret });
    assert.deepEqual(['client_secret' in p, 'client_secret_expires_at' in p], [false, false], method);
  }
  for (const method of [undefined, 'client_secret_basic', 'client_secret_post', 'client_secret_jwt']) {
    const p: Record<string, unknown> = { ...WEB_APP, ...secret, ...(method ? { token_endpoint_auth_method: method } : {}) };
    applyThirdPartyPolicy(p, { ...WEB_APP, ...secret });
    assert.equal(p.client_secret, 's3cret', String(method));
  }
});

test('client_name follows the CLI\'s rule: people read it on the consent page', () => {
  refuses({ ...WEB_APP, client_name: 'x'.repeat(129) }, 'invalid_client_metadata', 'client_name: must be at most 128 characters');
  refuses({ ...WEB_APP, client_name: 'Solar\nStats' }, 'invalid_client_metadata', 'client_name: must not contain control characters');
  refuses({ ...WEB_APP, client_name: 'Solar\u0085Stats' }, 'invalid_client_metadata', 'client_name: must not contain control characters');
  refuses({ ...WEB_APP, client_name: 'Jullix \u202elatroP' }, 'invalid_client_metadata', 'client_name: must not contain bidirectional control characters');
  refuses({ ...WEB_APP, client_name: 'Jullix \u200fPortal' }, 'invalid_client_metadata', 'client_name: must not contain bidirectional control characters');
  refuses({ ...WEB_APP, client_name: 'Solar\u2028Stats' }, 'invalid_client_metadata', 'client_name: must not contain line or paragraph separators');
  refuses({ ...WEB_APP, client_name: '   ' }, 'invalid_client_metadata', 'client_name: must not be empty');
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, client_name: 'Zonne-Stats · Énergie ☀' }));
  // A name of another type is oidc-provider's to refuse ("client_name must be a non-empty string").
  assert.doesNotThrow(() => applyThirdPartyPolicy({ ...WEB_APP, client_name: 7 }));
});
