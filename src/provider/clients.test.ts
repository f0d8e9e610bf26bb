import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { createAccountStore } from '../accounts/store.ts';
import { loadConfig } from '../config/load.ts';
import { generateSigningKeys } from '../config/secrets.ts';
import { withTestDatabases } from '../db/test-database.ts';
import { isIdpError } from '../errors.ts';
import { manualClock } from '../security/clock.ts';
import { FIRST_PARTY } from './client-metadata.ts';
import { createClientRegistry, providerValidator, type ClientMetadata } from './clients.ts';
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
      provider = createProvider({ config, secrets, db, clock, accounts: createAccountStore(db, clock), pages });
    });
    after(() => cleanup?.());

    const newClient = { name: 'Portal', redirectUris: ['https://portal.example.com/cb'], postLogoutRedirectUris: [], public: false, firstParty: true };

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

      const spa = await registry.add({ ...newClient, name: 'App', public: true, firstParty: false });
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
      await assert.rejects(counting.add({ ...newClient, redirectUris: [] }), /at least one redirect URI/);
      assert.equal(validated, 0, 'our rules run before the provider is asked');
      const refusing = createClientRegistry(db, clock, async () => { throw new Error('no'); });
      const before = (await refusing.list()).length;
      await assert.rejects(refusing.add({ ...newClient, name: 'Refused' }));
      assert.equal((await refusing.list()).length, before);
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
