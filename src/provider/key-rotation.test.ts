// Signing-key rotation seen by relying apps (openid-client, verifying ID token signatures with its
// cached JWKS): the new key is published before it signs, no app fails to verify a token across
// the switch, a sign-in in progress survives the provider swap, a second instance on the same
// database follows, and the old key leaves the JWKS only after what it signed has expired.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JWK } from 'oidc-provider';
import { createLogger } from '../log.ts';
import { manualClock } from '../security/clock.ts';
import { startIdp, type RunningIdp } from '../server.ts';
import { TestBrowser } from '../testing/browser.ts';
import { backends, freePort, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, passwordSignIn, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { runCli, jsonOf } from '../cli/test-support.ts';
import type { KeyView } from '../cli/keys.ts';

const REDIRECT = 'http://127.0.0.1:8771/callback';
const PASSWORD = 'rotation-password-1';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const kidOf = (jwt: string | undefined) => (JSON.parse(Buffer.from(jwt?.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;

async function publishedKeys(url: string): Promise<JWK[]> {
  const res = await fetch(`${url}/jwks`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { keys: JWK[] }).keys;
}

/** An app that verifies every ID token's signature against the IdP's JWKS, cached as openid-client does. */
async function verifyingApp(rp: RpOptions, cache?: oidc.ExportedJWKSCache): Promise<oidc.Configuration> {
  const config = await discover(rp);
  oidc.enableNonRepudiationChecks(config);
  if (cache) oidc.setJwksCache(config, cache);
  return config;
}

for (const backend of backends()) {
  describe(`signing-key rotation on ${backend.name}`, { timeout: 120_000 }, () => {
    const clock = manualClock(Date.now());
    let idp: TestIdp;
    let second: RunningIdp;
    let rp: RpOptions;
    let cliEnv: Record<string, string>;
    const jwksFetches = () => idp.logs.filter((l) => l.includes('"path":"/jwks"')).length;
    const signIn = (config: oidc.Configuration) => passwordSignIn(new TestBrowser(), config, rp, 'rosa', PASSWORD);

    before(async () => {
      // Its own watcher stays out of the way (the longest allowed, 2 minutes): the test reloads by hand after each step.
      idp = await startTestIdp({ backend, clock, env: { SIGNING_KEYS_REFRESH_SECONDS: '120' } });
      await idp.addUser({ username: 'rosa', password: PASSWORD });
      await idp.addClient({ client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true });
      rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
      cliEnv = idp.config.databaseUrl ? { DATABASE_URL: idp.config.databaseUrl } : {};
      // A second instance on the same database and DATA_DIR, reloading its keys every second.
      const port = await freePort();
      second = await startIdp({
        clock, logger: createLogger('silent'),
        env: { PORT: String(port), ISSUER: `http://localhost:${port}`, DATA_DIR: idp.dataDir, LOG_LEVEL: 'silent', SIGNING_KEYS_REFRESH_SECONDS: '1', ...cliEnv },
      });
    });
    after(async () => {
      await second?.close();
      await idp?.stop();
    });

    test('rotation end to end, as relying apps see it', async () => {
      // Before: key A signs; an app caches the JWKS holding only A.
      const early = await verifyingApp(rp);
      const beforeRotation = await signIn(early);
      assert.equal(jwksFetches(), 1, 'the app fetched the JWKS to verify the ID token');
      const oldIdToken = beforeRotation.id_token ?? '';
      const kidA = kidOf(oldIdToken);
      const earlyCache = oidc.getJwksCache(early);
      assert.ok(earlyCache);
      assert.deepEqual(earlyCache.jwks.keys.map((k) => k.kid).includes(kidA), true);

      // Rotate with the operator's command: B is published at once, signs in an hour.
      const rotated = await runCli(idp.dataDir, ['keys', 'rotate', '--alg', 'RS256', '--activate-after', '1h', '--json'], { env: cliEnv });
      assert.equal(rotated.code, 0, rotated.stderr);
      const { added, retired } = jsonOf<{ added: KeyView[]; retired: KeyView[] }>(rotated);
      const kidB = added[0]?.kid ?? '';
      assert.equal(retired[0]?.kid, kidA);
      assert.equal(await idp.app.signingKeys.refresh(), true);
      const published = await publishedKeys(idp.url);
      assert.deepEqual(published.find((k) => k.kid === kidB)?.key_ops, ['verify'], 'B is published, verify only');
      assert.equal(published[0]?.kid, kidA, 'A still signs');
      assert.ok(published.every((k) => PRIVATE_MEMBERS.every((m) => !(m in k))), 'no private member is ever published');
      assert.ok(idp.logs.some((l) => l.includes('signing keys changed')));

      // The second instance's watcher publishes B too, within its one-second refresh.
      let secondKids: Array<string | undefined> = [];
      for (let i = 0; i < 50 && !secondKids.includes(kidB); i++) {
        await new Promise((r) => setTimeout(r, 100));
        secondKids = (await publishedKeys(second.url)).map((k) => k.kid);
      }
      assert.ok(secondKids.includes(kidB), 'the second instance published B');

      // Before activation nothing is signed with B; an app that fetches the JWKS now caches A and B.
      const late = await verifyingApp(rp);
      assert.equal(kidOf((await signIn(late)).id_token), kidA);

      // A sign-in started a minute before B activates finishes after the provider was swapped.
      const activatesAt = Date.parse(added[0]?.activatesAt ?? '');
      clock.set(activatesAt - 60_000);
      assert.equal(await idp.app.signingKeys.refresh(), false, 'nothing changes before the activation');
      const started = await startSignIn(late, rp);
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, started, REDIRECT);
      clock.set(activatesAt);
      assert.equal(await idp.app.signingKeys.refresh(), true, 'activation swaps the provider');
      const providerAfterSwap = idp.app.provider;
      const done = await submit(browser, page.url, page.html, '/login', { username: 'rosa', password: PASSWORD }, REDIRECT);
      const fetchesBefore = jwksFetches();
      const swapped = await redeem(late, done.url, started);
      assert.equal(kidOf(swapped.id_token), kidB, 'B signs from its activation on');
      assert.equal(jwksFetches(), fetchesBefore, 'the app had B in its cache: verified without fetching the JWKS');
      assert.equal(idp.app.provider, providerAfterSwap);

      const active = await publishedKeys(idp.url);
      assert.deepEqual(active.map((k) => [k.kid, k.key_ops]).filter(([kid]) => kid === kidA || kid === kidB), [[kidB, undefined], [kidA, ['verify']]]);

      // An app whose cache predates B refetches on the unknown kid and verifies: openid-client does so
      // once its cache is a minute old, which the activation delay (at least 5 minutes) guarantees.
      const aged = await verifyingApp(rp, { ...earlyCache, uat: earlyCache.uat - 120 });
      assert.equal(kidOf((await signIn(aged)).id_token), kidB);
      // The same cache only seconds old would fail: this is why a new key never signs at once.
      const young = await verifyingApp(rp, { ...earlyCache, uat: Math.floor(Date.now() / 1000) });
      await assert.rejects(signIn(young), /no applicable keys found/);

      // A, retired, still verifies what it signed: for an app, and for logout with the old ID token.
      const remote = createRemoteJWKSet(new URL(`${idp.url}/jwks`));
      assert.equal((await jwtVerify(oldIdToken, remote, { currentDate: new Date(beforeRotation.claims()!.iat * 1000) })).protectedHeader.kid, kidA);
      assert.equal((await new TestBrowser().request(`${idp.url}/session/end?id_token_hint=${oldIdToken}`)).status, 200);

      // The second instance follows the activation on its own (same clock, its watcher).
      for (let i = 0; i < 50 && (await publishedKeys(second.url))[0]?.kid !== kidB; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(kidOf((await signIn(await verifyingApp({ ...rp, issuer: second.config.issuer }))).id_token), kidB);

      // After the session lifetime plus an hour, A leaves the JWKS, and with it what it signed.
      clock.set(Date.parse(retired[0]?.removesAt ?? ''));
      assert.equal(await idp.app.signingKeys.refresh(), true);
      assert.ok(!(await publishedKeys(idp.url)).some((k) => k.kid === kidA), 'A is gone');
      await assert.rejects(jwtVerify(oldIdToken, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), { currentDate: new Date(beforeRotation.claims()!.iat * 1000) }), /no applicable key found/i);
      // B is the one signing key left. (No sign-in here: oidc-provider stamps a session's loginTs with
      // the wall clock, and this test's clock is now a day ahead of it, so a session begun now would
      // already be past its absolute lifetime.)
      assert.deepEqual((await publishedKeys(idp.url)).filter((k) => k.alg === 'RS256').map((k) => [k.kid, k.key_ops]), [[kidB, undefined]]);
    });
  });
}
