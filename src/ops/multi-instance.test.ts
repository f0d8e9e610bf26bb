// Scale-out: three IdP processes on one database behind a round-robin proxy. A sign-in whose steps
// land on different instances completes; one TOTP code sent to two instances at once is accepted
// at most once; failures on all instances share one budget; SIGKILL of an instance mid-sign-in
// loses nothing that was acknowledged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { openDatabase } from '../db/connection.ts';
import { createAccountStore } from '../accounts/store.ts';
import { createArgon2Hasher } from '../security/password-hashing.ts';
import { createTotpCredentialStore } from '../factors/totp-credentials.ts';
import { generateTotpSecret, timeStepAt, totpAt } from '../factors/totp.ts';
import { systemClock } from '../security/clock.ts';
import { TestBrowser, secretOf } from '../testing/browser.ts';
import { backends } from '../testing/harness.ts';
import { startCluster, type Cluster } from '../testing/cluster.ts';
import { discover, openSignInPage, redeem, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';

const REDIRECT = 'http://127.0.0.1:8769/callback';
const currentCode = (secret: string) => totpAt(secret, timeStepAt(Date.now()));

for (const backend of backends()) {
  describe(`three instances on one ${backend.name} database`, { timeout: 120_000 }, () => {
    let cluster: Cluster;
    let db: Knex;
    let rp: RpOptions;
    const secrets: Record<string, string> = {};

    before(async () => {
      cluster = await startCluster(backend);
      db = await openDatabase({ databaseUrl: cluster.env.DATABASE_URL, dataDir: cluster.env.DATA_DIR! });
      const accounts = createAccountStore(db, systemClock);
      const hasher = createArgon2Hasher();
      const totp = createTotpCredentialStore(db, systemClock, [Buffer.from(cluster.env.DATA_ENCRYPTION_KEYS!, 'base64')]);
      for (const name of ['ines', 'ivo', 'ilse', 'tom']) {
        const user = await accounts.create({ username: name, email: `${name}@example.test`, name, role: name === 'tom' ? 'customer' : 'installer', passwordHash: await hasher.hash(`${name}-password-1`) });
        if (name === 'ivo' || name === 'ilse') {
          secrets[name] = generateTotpSecret();
          await totp.enrol(user.id, secrets[name], 0);
        }
      }
      await db('oidc_models').insert({ model: 'Client', id: 'portal', expires_at: null, payload: JSON.stringify({ client_id: 'portal', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', jullix_first_party: true }) });
      rp = { issuer: cluster.issuer, clientId: 'portal', redirectUri: REDIRECT };
    });
    after(async () => { await db?.destroy(); await cluster?.stop(); });

    test('an installer enrols and signs in while every step lands on another instance', async () => {
      const config = await discover(rp);
      const browser = new TestBrowser();
      const started = await startSignIn(config, rp);
      const first = cluster.log.length;
      const page = await openSignInPage(browser, started, REDIRECT);
      const enrol = await submit(browser, page.url, page.html, '/login', { username: 'ines', password: 'ines-password-1' }, REDIRECT);
      const codes = await submit(browser, enrol.url, enrol.html, '/enrol', { code: await currentCode(secretOf(enrol.html)) }, REDIRECT);
      const done = await submit(browser, codes.url, codes.html, '/continue', {}, REDIRECT);
      const claims = (await redeem(config, done.url, started)).claims();
      assert.equal(claims?.acr, 'aal2');
      const used = new Set(cluster.log.slice(first));
      assert.equal(used.size, 3, 'all three instances took part');
    });

    test('one TOTP code sent to two instances at the same moment is accepted at most once', async () => {
      const config = await discover(rp);
      const a = new TestBrowser();
      const b = new TestBrowser();
      const [sa, sb] = await Promise.all([a, b].map(async (browser) => {
        const started = await startSignIn(config, rp);
        const page = await openSignInPage(browser, started, REDIRECT);
        return submit(browser, page.url, page.html, '/login', { username: 'ivo', password: 'ivo-password-1' }, REDIRECT);
      }));
      const code = await currentCode(secrets.ivo!);
      // Straight to two different instances, not through the proxy.
      const direct = (url: string, port: number) => url.replace(/^http:\/\/localhost:\d+/, `http://localhost:${port}`);
      const [p0, p1] = [cluster.instances[0]!.port, cluster.instances[1]!.port];
      const results = await Promise.all([
        submit(a, direct(sa!.url, p0), sa!.html.replaceAll(cluster.issuer, ''), '/totp', { code }, REDIRECT),
        submit(b, direct(sb!.url, p1), sb!.html.replaceAll(cluster.issuer, ''), '/totp', { code }, REDIRECT),
      ]);
      const accepted = results.filter((r) => r.url.startsWith(REDIRECT)).length;
      assert.equal(accepted, 1, `a fresh, valid code must be accepted exactly once (got ${accepted})`);
      assert.equal(results.filter((r) => r.status === 401).length, 1);
    });

    test('failed sign-ins on all instances count against one shared budget', async () => {
      const config = await discover(rp);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const browser = new TestBrowser();
        const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
        statuses.push((await submit(browser, page.url, page.html, '/login', { username: 'tom', password: `wrong-${i}-password` }, REDIRECT)).status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    });

    test('killing an instance with SIGKILL mid-sign-in lets the person finish on the others', async () => {
      const config = await discover(rp);
      const browser = new TestBrowser();
      const started = await startSignIn(config, rp);
      const page = await openSignInPage(browser, started, REDIRECT);
      const step = await submit(browser, page.url, page.html, '/login', { username: 'ilse', password: 'ilse-password-1' }, REDIRECT);
      assert.match(step.html, /autocomplete="one-time-code"/);
      const lastServed = cluster.log.at(-1) ?? 0;
      await cluster.kill(lastServed, 'SIGKILL');
      const done = await submit(browser, step.url, step.html, '/totp', { code: await currentCode(secrets.ilse!) }, REDIRECT);
      assert.ok(done.url.startsWith(REDIRECT), `finished on the survivors (${done.status})`);
      assert.equal((await redeem(config, done.url, started)).claims()?.acr, 'aal2');
    });
  });
}
