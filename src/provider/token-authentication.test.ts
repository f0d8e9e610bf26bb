// Integration: token introspection tells a resource server how and when the person signed in
// (RFC 9470 §6.2: acr, auth_time), for the access token from the code and for the one from a refresh,
// and nothing of the kind for a client's own token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addTestClients, CONFIDENTIAL_CLIENT, newBrowser, signInForTokens, tokenRequest } from '../adversarial/flows.ts';
import { tokenAuthentication } from './token-authentication.ts';

const SERVICE = { client_id: 'meter-sync', client_secret: 'meter-sync-secret-'.padEnd(48, 'z') };

function claimsOfJwt(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('introspection says how the person signed in', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
    await addTestClients(idp);
    await idp.addClient({ ...SERVICE, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
    await idp.addUser({ username: 'femke', password: 'femke-password-long' });
  });
  after(() => idp.stop());

  const introspect = async (client: { client_id: string; client_secret?: string }, token: string) =>
    (await tokenRequest(idp, client, new URLSearchParams({ token }), '/token/introspection')).json;

  test('the access token from the code and the one from a refresh carry the ID token\'s acr and auth_time', async () => {
    const { tokens } = await signInForTokens(newBrowser(), idp, CONFIDENTIAL_CLIENT, 'femke', 'femke-password-long');
    const idToken = claimsOfJwt(tokens.id_token);
    assert.equal(idToken.acr, 'aal1');
    const first = await introspect(CONFIDENTIAL_CLIENT, tokens.access_token);
    assert.equal(first.active, true);
    assert.equal(first.acr, 'aal1');
    assert.equal(first.auth_time, idToken.auth_time);

    const refreshed = await tokenRequest(idp, CONFIDENTIAL_CLIENT, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }));
    assert.equal(refreshed.status, 200);
    const second = await introspect(CONFIDENTIAL_CLIENT, String(refreshed.json.access_token));
    assert.equal(second.active, true);
    assert.equal(second.acr, 'aal1', 'a refresh is no new sign-in: the level is the sign-in\'s');
    assert.equal(second.auth_time, idToken.auth_time);
  });

  test('a client\'s own token (client_credentials) has no person, and says nothing of a sign-in', async () => {
    const grant = await tokenRequest(idp, SERVICE, new URLSearchParams({ grant_type: 'client_credentials' }));
    assert.equal(grant.status, 200);
    const answer = await introspect(SERVICE, String(grant.json.access_token));
    assert.equal(answer.active, true);
    assert.equal('acr' in answer || 'auth_time' in answer, false);
  });

  test('only access tokens get the facts; an aal2 older than AAL2_MAX_AGE_SECONDS says aal1, as a session would', () => {
    const ctx = (entities: Record<string, unknown>) => ({ oidc: { entities } }) as unknown as Parameters<ReturnType<typeof tokenAuthentication>>[0];
    const now = 1_700_000_000;
    const facts = tokenAuthentication(12 * 3600, () => now);
    assert.deepEqual(facts(ctx({ AuthorizationCode: { acr: 'aal2', authTime: now - 60 } }), { kind: 'AccessToken' }), { acr: 'aal2', auth_time: now - 60 });
    assert.deepEqual(facts(ctx({ RefreshToken: { acr: 'aal2', authTime: now - 13 * 86400 } }), { kind: 'AccessToken' }), { acr: 'aal1', auth_time: now - 13 * 86400 }, 'a refresh 13 days after the sign-in');
    assert.deepEqual(facts(ctx({ RefreshToken: { acr: 'aal1', authTime: now - 5 } }), { kind: 'AccessToken' }), { acr: 'aal1', auth_time: now - 5 });
    assert.equal(facts(ctx({ AuthorizationCode: { acr: 'aal2', authTime: now } }), { kind: 'ClientCredentials' }), undefined);
    assert.equal(facts(undefined, { kind: 'AccessToken' }), undefined);
  });
});
