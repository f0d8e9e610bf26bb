// Rolling restart under load: three instances behind a balancer with health checks; while a mix of
// people and machines use the IdP through it, each instance in turn gets SIGTERM, exits 0 and is
// replaced by a new process on the same port. Not one request may fail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { openDatabase } from '../db/connection.ts';
import { createAccountStore } from '../accounts/store.ts';
import { createArgon2Hasher } from '../security/password-hashing.ts';
import { systemClock } from '../security/clock.ts';
import { CONFIDENTIAL_CLIENT, REDIRECT } from '../adversarial/flows.ts';
import { TestBrowser } from '../testing/browser.ts';
import { backends } from '../testing/harness.ts';
import { startCluster, type Cluster } from '../testing/cluster.ts';
import { discover, openSignInPage, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';

const WARM_UP_MS = 1500;
const PEOPLE = 2;

interface Tally { ok: number; failed: number }

/** Runs each loop until `stop()`, counting what succeeded and keeping each failure's reason. */
function loadGenerator(loops: Record<string, () => Promise<void>>, concurrency: Record<string, number>) {
  let stopping = false;
  const tallies = new Map<string, Tally>();
  const failures: string[] = [];
  const running = Object.entries(loops).flatMap(([kind, step]) => {
    const tally: Tally = { ok: 0, failed: 0 };
    tallies.set(kind, tally);
    return Array.from({ length: concurrency[kind] ?? 1 }, async () => {
      while (!stopping) {
        try {
          await step();
          tally.ok++;
        } catch (err) {
          tally.failed++;
          failures.push(`${kind}: ${err instanceof Error ? `${err.message} ${String(err.cause ?? '')}` : String(err)}`);
        }
      }
    });
  });
  return { tallies, failures, async stop() { stopping = true; await Promise.all(running); } };
}

async function expectJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

for (const backend of backends()) {
  describe(`rolling restart of three instances on ${backend.name}`, { timeout: 120_000 }, () => {
    let cluster: Cluster;
    let people: oidc.Configuration;
    let machine: oidc.Configuration;
    let rp: RpOptions;

    before(async () => {
      cluster = await startCluster(backend);
      const db = await openDatabase({ databaseUrl: cluster.env.DATABASE_URL, dataDir: cluster.env.DATA_DIR! });
      const hasher = createArgon2Hasher();
      const accounts = createAccountStore(db, systemClock);
      for (let i = 0; i < PEOPLE; i++) {
        await accounts.create({ username: `rita${i}`, email: `rita${i}@example.test`, name: `Rita ${i}`, role: 'customer', passwordHash: await hasher.hash(`rita${i}-password-1`) });
      }
      await db('oidc_models').insert([
        { model: 'Client', id: 'portal', expires_at: null, payload: JSON.stringify({ client_id: 'portal', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', jullix_first_party: true }) },
        { model: 'Client', id: CONFIDENTIAL_CLIENT.client_id, expires_at: null, payload: JSON.stringify({ ...CONFIDENTIAL_CLIENT, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' }) },
      ]);
      await db.destroy();
      rp = { issuer: cluster.issuer, clientId: 'portal', redirectUri: REDIRECT };
      people = await discover(rp);
      machine = await discover({ issuer: cluster.issuer, clientId: CONFIDENTIAL_CLIENT.client_id, clientSecret: CONFIDENTIAL_CLIENT.client_secret!, redirectUri: REDIRECT });
    });
    after(async () => { await cluster?.stop(); });

    test('every request is answered while each instance in turn is stopped with SIGTERM and replaced', async (t) => {
      let person = 0;
      const load = loadGenerator({
        // What relying apps fetch on start and when keys rotate.
        metadata: async () => {
          const discovery = await expectJson(`${cluster.issuer}/.well-known/openid-configuration`);
          const jwks = await expectJson(String(discovery.jwks_uri));
          if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('empty JWKS');
        },
        // A back-end service: a token for itself, checked by introspection.
        machine: async () => {
          const tokens = await oidc.clientCredentialsGrant(machine);
          const introspected = await oidc.tokenIntrospection(machine, tokens.access_token);
          if (introspected.active !== true) throw new Error('a fresh client_credentials token is not active');
        },
        // A person signs in with a password, then the app refreshes twice (rotating refresh tokens).
        people: async () => {
          const n = person++ % PEOPLE;
          const browser = new TestBrowser({ 'accept-language': 'en' });
          const started = await startSignIn(people, rp, { scope: 'openid profile offline_access', prompt: 'consent' });
          const page = await openSignInPage(browser, started, REDIRECT);
          let after = await submit(browser, page.url, page.html, '/login', { username: `rita${n}`, password: `rita${n}-password-1` }, REDIRECT);
          // offline_access needs prompt=consent (OIDC Core 11), so even a first-party app shows the page.
          if (!after.url.startsWith(REDIRECT)) after = await submit(browser, after.url, after.html, '/consent', {}, REDIRECT);
          if (!after.url.startsWith(REDIRECT)) throw new Error(`sign-in did not reach the callback: ${after.status} ${after.url}`);
          const tokens = await redeem(people, after.url, started);
          let refresh = tokens.refresh_token;
          for (let i = 0; i < 2; i++) {
            if (!refresh) throw new Error('no refresh token');
            refresh = (await oidc.refreshTokenGrant(people, refresh)).refresh_token;
          }
        },
      }, { metadata: 1, machine: 1, people: PEOPLE });

      await new Promise((r) => setTimeout(r, WARM_UP_MS));
      const servedBefore = cluster.log.length;
      const began = performance.now();
      const exits = [];
      for (let i = 0; i < cluster.instances.length; i++) exits.push(await cluster.restart(i));
      const durationMs = performance.now() - began;
      const servedDuring = cluster.log.length - servedBefore;
      await new Promise((r) => setTimeout(r, WARM_UP_MS));
      await load.stop();

      const failedOps = [...load.tallies.values()].reduce((n, x) => n + x.failed, 0);
      t.diagnostic(`rolling restart of 3 instances: ${(durationMs / 1000).toFixed(1)} s; requests served during it: ${servedDuring}; failed: ${cluster.proxy.failed} requests, ${failedOps} operations; redispatched after a refused connection: ${cluster.proxy.redispatched}`);
      t.diagnostic(`${exits.map((e, i) => `instance ${i}: SIGTERM to exit ${(e.stopMs / 1000).toFixed(1)} s, new process ready ${(e.startMs / 1000).toFixed(1)} s later, served ${cluster.instances[i]!.served}`).join('; ')}`);
      t.diagnostic(`whole run: ${cluster.log.length} requests; operations ${JSON.stringify(Object.fromEntries(load.tallies))}; statuses ${JSON.stringify(Object.fromEntries(cluster.proxy.statuses))}`);

      assert.deepEqual(load.failures.slice(0, 5), [], 'no failed discovery, client_credentials, introspection, sign-in or refresh');
      assert.equal(cluster.proxy.failed, 0, 'no request answered 502/503 by the balancer');
      const unexpected = [...cluster.proxy.statuses.keys()].filter((s) => s >= 400);
      assert.deepEqual(unexpected, [], 'every answer a success or a redirect');
      assert.deepEqual(exits.map((e) => [e.exitCode, e.signal]), Array(3).fill([0, null]), 'each old process exited 0 after SIGTERM');
      for (const [i, instance] of cluster.instances.entries()) {
        assert.equal(instance.generation, 1, `instance ${i} was replaced`);
        assert.ok(instance.served > 0, `the new process ${i} served requests`);
      }
      for (const [kind, tally] of load.tallies) assert.ok(tally.ok > 0, `some ${kind} operations ran`);
    });
  });
}
