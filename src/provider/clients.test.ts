import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { createAccountStore } from '../accounts/store.ts';
import { loadConfig } from '../config/load.ts';
import { generateSigningKeys } from './keys.ts';
import { withTestDatabases } from '../db/test-database.ts';
import { isIdpError } from '../errors.ts';
import { manualClock } from '../security/clock.ts';
import { FIRST_PARTY } from './client-metadata.ts';
import { createClientRegistry, providerValidator, type ClientMetadata, type NewClient } from './clients.ts';
import { createProvider } from './index.ts';

for (const backend of await withTestDatabases()) {
  describe(`client registry on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let provider: Provider;
    const clock = manualClock(Date.UTC(2026, 10, 25, 12));
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      const config = loadConfig({ DATA_DIR: os.tmpdir(), PORT: '3999' });
      const secrets = { jwks: generateSigningKeys(), cookieKeys: ['k'.repeat(32)], dataEncryptionKeys: [], source: 'environment' as const };
      const pages = { renderError: () => undefined, logoutSource: () => undefined, postLogoutSuccessSource: () => undefined };
      provider = createProvider({ config, secrets, jwks: secrets.jwks, db, clock, accounts: createAccountStore(db, clock), pages });
    });
    after(() => cleanup?.());

    const newClient: NewClient = {
      name: 'Portal', redirectUris: ['https://portal.example.com/cb'], postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'], authMethod: 'client_secret_basic', firstParty: true, requireMfa: false,
    };

    test('add stores metadata the real provider accepts and finds', async () => {
      const registry = createClientRegistry(db, clock, providerValidator(provider));
      const { client, clientSecret } = await registry.add(newClient);
      assert.ok(clientSecret !== undefined);
      assert.equal(client.client_id_issued_at, Math.floor(clock.now() / 1000));
      assert.equal(client[FIRST_PARTY], true);
      assert.equal('client_secret' in client, false);
      const found = await provider.Client.find(client.client_id);
      assert.equal(found?.clientSecret, clientSecret);
      assert.equal(found?.clientAuthMethod, 'client_secret_basic');
      assert.equal(found?.metadata()[FIRST_PARTY], true);

      const spa = await registry.add({ ...newClient, name: 'App', authMethod: 'none', firstParty: false });
      assert.equal(spa.clientSecret, undefined);
      assert.equal((await provider.Client.find(spa.client.client_id))?.clientAuthMethod, 'none');
      assert.deepEqual((await registry.list()).map((c) => c.client_name), ['App', 'Portal']);
      assert.equal('client_secret' in ((await registry.find(client.client_id)) ?? {}), false);
    });

    test('remove deletes the client for the provider too; a second remove is not_found', async () => {
      const registry = createClientRegistry(db, clock, providerValidator(provider));
      const { client } = await registry.add({ ...newClient, name: 'Gone' });
      await registry.remove(client.client_id);
      assert.equal(await registry.find(client.client_id), undefined);
      assert.equal(await provider.Client.find(client.client_id), undefined);
      await assert.rejects(registry.remove(client.client_id), (err) => isIdpError(err, 'not_found'));
    });

    test('a bad redirect URI or a provider rejection stores nothing', async () => {
      let validated = 0;
      const counting = createClientRegistry(db, clock, async () => { validated += 1; });
      await assert.rejects(counting.add({ ...newClient, redirectUris: ['http://evil.example/cb'] }),
        (err) => isIdpError(err, 'bad_request') && /must use https/.test(err.message));
      await assert.rejects(counting.add({ ...newClient, redirectUris: [] }), /redirect_uris: is required \(at least one\) for the authorization_code grant/);
      await assert.rejects(counting.add({ ...newClient, grantTypes: ['client_credentials'], authMethod: 'none', redirectUris: [] }),
        /grant_types: client_credentials needs a confidential client/);
      await assert.rejects(counting.add({ ...newClient, grantTypes: ['client_credentials'], requireMfa: true }),
        (err) => isIdpError(err, 'bad_request') && /redirect_uris: are only for clients that sign users in/.test(err.message)
          && /default_acr_values: requiring the second factor is only for/.test(err.message));
      await assert.rejects(counting.add({ ...newClient, backchannelLogoutUri: 'http://app.example/logout' }), /back-channel logout URI .* must use https/);
      assert.equal(validated, 0, 'our rules run before the provider is asked');
      const refusing = createClientRegistry(db, clock, async () => { throw new Error('no'); });
      const before = (await refusing.list()).length;
      await assert.rejects(refusing.add({ ...newClient, name: 'Refused' }));
      assert.equal((await refusing.list()).length, before);
    });

    test('a service client (client_credentials only) has no redirect URIs; require-MFA and back-channel logout reach the provider', async () => {
      const registry = createClientRegistry(db, clock, providerValidator(provider));
      const { client: service, clientSecret } = await registry.add({
        ...newClient, name: 'Service', grantTypes: ['client_credentials'], redirectUris: [], authMethod: 'client_secret_post',
      });
      const found = await provider.Client.find(service.client_id);
      assert.deepEqual(found?.redirectUris, []);
      assert.deepEqual(found?.responseTypes, []);
      assert.deepEqual(found?.grantTypes, ['client_credentials']);
      assert.equal(found?.clientAuthMethod, 'client_secret_post');
      assert.equal(found?.clientSecret, clientSecret);

      const { client } = await registry.add({
        ...newClient, name: 'Strict', requireMfa: true, backchannelLogoutUri: 'https://portal.example.com/logout',
        logoUri: 'https://portal.example.com/logo.png', clientUri: 'https://portal.example.com/',
      });
      const strict = await provider.Client.find(client.client_id);
      assert.deepEqual(strict?.defaultAcrValues, ['aal2']);
      assert.equal(strict?.logoUri, 'https://portal.example.com/logo.png');
      assert.equal(strict?.clientUri, 'https://portal.example.com/');
      // Needs features.backchannelLogout in configuration.ts: without it the provider drops these two.
      assert.equal(strict?.backchannelLogoutUri, 'https://portal.example.com/logout');
      assert.equal(strict?.backchannelLogoutSessionRequired, true);
    });

    test('update changes only what is given, keeps the secret, and is seen by the provider', async () => {
      const registry = createClientRegistry(db, clock, providerValidator(provider));
      const { client, clientSecret } = await registry.add({ ...newClient, name: 'Before', requireMfa: true, postLogoutRedirectUris: ['https://portal.example.com/'] });
      const { client: after, changed } = await registry.update(client.client_id, {
        name: 'After', redirectUris: ['https://new.example.com/cb'], backchannelLogoutUri: 'https://new.example.com/logout', firstParty: false,
      });
      assert.deepEqual(changed, ['backchannel_logout_session_required', 'backchannel_logout_uri', 'client_name', FIRST_PARTY, 'redirect_uris']);
      assert.equal(after.client_name, 'After');
      assert.deepEqual(after.default_acr_values, ['aal2'], 'not given, so kept');
      assert.deepEqual(after.post_logout_redirect_uris, ['https://portal.example.com/']);
      const found = await provider.Client.find(client.client_id);
      assert.deepEqual(found?.redirectUris, ['https://new.example.com/cb']);
      assert.equal(found?.clientSecret, clientSecret);
      assert.equal(found?.metadata()[FIRST_PARTY], undefined);

      const off = await registry.update(client.client_id, { requireMfa: false, backchannelLogoutUri: null });
      assert.deepEqual(off.changed, ['backchannel_logout_session_required', 'backchannel_logout_uri', 'default_acr_values', 'jullix_require_mfa']);
      assert.deepEqual((await registry.update(client.client_id, { name: 'After' })).changed, [], 'a no-op changes nothing');
      await assert.rejects(registry.update(client.client_id, { redirectUris: ['http://evil.example/cb'] }), (err) => isIdpError(err, 'bad_request'));
      await assert.rejects(registry.update('nope', { name: 'x' }), (err) => isIdpError(err, 'not_found'));
    });

    test('update refuses what would make the client invalid, and a change made meanwhile is not lost', async () => {
      let validated = 0;
      const registry = createClientRegistry(db, clock, async () => { validated += 1; });
      const { client } = await registry.add({ ...newClient, name: 'Service', grantTypes: ['client_credentials'], redirectUris: [] });
      validated = 0;
      await assert.rejects(registry.update(client.client_id, { redirectUris: ['https://a.example/cb'] }), /redirect_uris: are only for clients that sign users in/);
      assert.equal(validated, 0);
      // Another writer changes the row between our read and our write (the validator runs in between).
      const racing = createClientRegistry(db, clock, async (metadata) => {
        await db('oidc_models').where({ model: 'Client', id: metadata.client_id }).update({ payload: JSON.stringify({ ...metadata, client_name: 'Other' }) });
      });
      await assert.rejects(racing.update(client.client_id, { name: 'Mine' }), (err) => isIdpError(err, 'conflict'));
      assert.equal((await registry.find(client.client_id))?.client_name, 'Other');
    });

    test('rotateSecret replaces a confidential client\'s secret; a public client has none', async () => {
      const registry = createClientRegistry(db, clock, providerValidator(provider));
      const { client, clientSecret: old } = await registry.add({ ...newClient, name: 'Rotating' });
      const { clientSecret } = await registry.rotateSecret(client.client_id);
      assert.match(clientSecret, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(clientSecret, old);
      assert.equal((await provider.Client.find(client.client_id))?.clientSecret, clientSecret);
      const spa = await registry.add({ ...newClient, name: 'SPA', authMethod: 'none' });
      await assert.rejects(registry.rotateSecret(spa.client.client_id), (err) => isIdpError(err, 'conflict') && /is public/.test(err.message));
      await assert.rejects(registry.rotateSecret('nope'), (err) => isIdpError(err, 'not_found'));
      // A dynamically registered app may authenticate with its own keys: a new secret would never work.
      const keys = { ...spa.client, client_id: 'keyed-app', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } };
      await db('oidc_models').insert({ model: 'Client', id: keys.client_id, payload: JSON.stringify(keys), expires_at: null });
      await assert.rejects(registry.rotateSecret(keys.client_id), (err) => isIdpError(err, 'conflict') && /authenticates with private_key_jwt, not a secret/.test(err.message));
      assert.equal(JSON.parse(String((await db('oidc_models').where({ model: 'Client', id: keys.client_id }).first('payload'))?.payload)).client_secret, undefined);
    });

    test('providerValidator reports the provider\'s error_description', async () => {
      const validate = providerValidator(provider);
      const metadata: ClientMetadata = {
        client_id: 'x', client_name: 'x', client_id_issued_at: 0, redirect_uris: ['https://a.example/cb'],
        post_logout_redirect_uris: [], grant_types: ['authorization_code'], response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic', application_type: 'web',
      };
      await assert.rejects(validate(metadata), (err) => isIdpError(err, 'bad_request')
        && err.message === 'oidc-provider rejects this client: client_secret is mandatory property');
    });
  });
}
