// Integration: Dynamic Client Registration (RFC 7591/7592) behind an initial access token,
// consent remembered across sessions and revoked from the account page, and logout (RP-initiated
// with back-channel notification).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { backends, freePort, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, openSignInPage, redeem, startSignIn, submit } from '../testing/relying-party.ts';
import { createClientRegistry } from './clients.ts';
import { systemClock } from '../security/clock.ts';

const REDIRECT = 'http://127.0.0.1:8768/callback';

for (const backend of backends()) {
  describe(`client registration, consent and logout (${backend.name})`, () => {
    let idp: TestIdp;
    let token = '';
    let logoutTokens: string[] = [];
    let backchannel: http.Server;
    let backchannelUri = '';
    before(async () => {
      idp = await startTestIdp({ backend });
      await idp.addUser({ username: 'nina', password: 'nina-password-1' });
      token = await new idp.app.provider.InitialAccessToken({ expiresIn: 600, policies: ['third-party'] }).save();
      const port = await freePort();
      backchannel = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => { body += c.toString(); });
        req.on('end', () => { logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? ''); res.end(); });
      }).listen(port, '127.0.0.1');
      backchannelUri = `http://127.0.0.1:${port}/backchannel`;
    });
    after(async () => { backchannel.close(); await idp.stop(); });

    const register = (body: unknown, auth = `Bearer ${token}`) => fetch(`${idp.url}/reg`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body),
    });

    test('registration needs an initial access token and answers with RFC 7591 errors', async () => {
      const none = await fetch(`${idp.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as { error: string }).error, 'invalid_token');
      const evil = await register({ redirect_uris: ['http://evil.example/cb'] });
      assert.equal(evil.status, 400);
      assert.equal(((await evil.json()) as { error: string }).error, 'invalid_redirect_uri');
      const bad = await register({ redirect_uris: ['https://app.example/cb'], grant_types: 'authorization_code' });
      assert.equal(((await bad.json()) as { error: string }).error, 'invalid_client_metadata');
    });

    let client: { client_id: string; client_secret: string; registration_access_token: string; registration_client_uri: string };

    test('a registered app is third-party even if it claims otherwise, and can be managed (RFC 7592)', async () => {
      const res = await register({ client_name: 'Solar Stats', logo_uri: 'https://stats.example/logo.png', client_uri: 'https://stats.example/', redirect_uris: [REDIRECT], post_logout_redirect_uris: ['http://127.0.0.1:8768/'], jullix_first_party: true, backchannel_logout_uri: backchannelUri, default_acr_values: ['aal1'] });
      assert.equal(res.status, 201);
      client = await res.json() as typeof client;
      assert.equal((client as Record<string, unknown>).jullix_first_party, undefined);
      assert.match(client.client_id, /^[0-9a-f]{32}$/);
      const read = await fetch(client.registration_client_uri, { headers: { authorization: `Bearer ${client.registration_access_token}` } });
      assert.equal(read.status, 200);
      const wrong = await fetch(client.registration_client_uri, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401);
    });

    test('RFC 7592: update rotates the registration access token; delete removes the client; each is audited', async () => {
      const res = await register({ client_name: 'Temp App', redirect_uris: ['https://temp.example/cb'] });
      const temp = await res.json() as typeof client & { client_name: string };
      const put = await fetch(temp.registration_client_uri, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${temp.registration_access_token}` },
        body: JSON.stringify({ client_id: temp.client_id, client_secret: temp.client_secret, client_name: 'Renamed App', redirect_uris: ['https://temp.example/cb2'] }),
      });
      assert.equal(put.status, 200);
      const updated = await put.json() as typeof client & { client_name: string; redirect_uris: string[] };
      assert.equal(updated.client_name, 'Renamed App');
      assert.deepEqual(updated.redirect_uris, ['https://temp.example/cb2']);
      assert.notEqual(updated.registration_access_token, temp.registration_access_token);
      const stale = await fetch(temp.registration_client_uri, { headers: { authorization: `Bearer ${temp.registration_access_token}` } });
      assert.equal(stale.status, 401, 'the old registration access token is dead');
      const evil = await fetch(temp.registration_client_uri, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${updated.registration_access_token}` },
        body: JSON.stringify({ client_id: temp.client_id, redirect_uris: ['http://evil.example/cb'] }),
      });
      assert.equal(((await evil.json()) as { error: string }).error, 'invalid_redirect_uri', 'the policy also runs on update');
      const del = await fetch(temp.registration_client_uri, { method: 'DELETE', headers: { authorization: `Bearer ${updated.registration_access_token}` } });
      assert.equal(del.status, 204);
      const gone = await fetch(`${idp.url}/auth?client_id=${temp.client_id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://temp.example/cb2')}`, { redirect: 'manual' });
      assert.equal(gone.status, 400);
      // Audited like the CLI's changes, naming the registration token that made the app. The
      // provider's events do not wait for the write (registration-audit.ts), so give it a moment.
      const events = () => idp.db('audit_log').where('client_id', temp.client_id).orderBy('id').select('event', 'detail');
      let audit = await events();
      for (let i = 0; i < 40 && audit.length < 3; i++) audit = await new Promise((r) => setTimeout(r, 50)).then(events);
      assert.deepEqual(audit.map((a) => a.event), ['client.created', 'client.updated', 'client.removed']);
      assert.deepEqual(JSON.parse(String(audit[0]?.detail)), { via: 'registration', name: 'Temp App', registrationToken: `${token.slice(0, 6)}…` });
      assert.equal(JSON.parse(String(audit[1]?.detail)).name, 'Renamed App');
    });

    /** An RFC 7591 error answer: its status, code and description. */
    async function refusal(res: Response) {
      const body = await res.json() as { error: string; error_description?: string };
      return { status: res.status, error: body.error, description: body.error_description ?? '' };
    }
    /** An RFC 7592 update (PUT, the full metadata) with the client's registration access token. */
    const update = (registered: { client_id: string; registration_client_uri: string; registration_access_token: string }, body: Record<string, unknown>) =>
      fetch(registered.registration_client_uri, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${registered.registration_access_token}` },
        body: JSON.stringify({ client_id: registered.client_id, ...body }),
      });
    /** A client_credentials token request with the client_id alone, as a public client would send it. */
    const tokenWithoutSecret = (clientId: string) => fetch(`${idp.url}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString(),
    });
    const SERVICE = { client_name: 'Meter Sync', grant_types: ['client_credentials'], response_types: [] };

    test('client_credentials is for confidential clients only, at registration and on update (RFC 6749 §4.4)', async () => {
      const publicService = await refusal(await register({ ...SERVICE, token_endpoint_auth_method: 'none' }));
      assert.deepEqual([publicService.status, publicService.error], [400, 'invalid_client_metadata']);
      assert.match(publicService.description, /^grant_types: client_credentials needs a confidential client/);

      const res = await register(SERVICE);
      assert.equal(res.status, 201);
      const service = await res.json() as typeof client;
      const made = await update(service, { ...SERVICE, token_endpoint_auth_method: 'none' });
      const madePublic = await refusal(made);
      assert.deepEqual([madePublic.status, madePublic.error], [400, 'invalid_client_metadata']);
      assert.match(madePublic.description, /^grant_types: client_credentials needs a confidential client/);
      assert.equal((await tokenWithoutSecret(service.client_id)).status, 401, 'the client still needs its secret');
    });

    test('a resource parameter (RFC 8707, not served here) is ignored, not refused', async () => {
      const service = await register(SERVICE).then(async (r) => await r.json() as typeof client);
      const res = await fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${service.client_id}:${service.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'https://api.example.com' }).toString(),
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(((await res.json()) as { token_type?: string }).token_type, 'Bearer');
    });

    test('the admin CLI\'s other client rules hold at registration and on update', async () => {
      const cases: Array<[body: Record<string, unknown>, description: RegExp]> = [
        [{ redirect_uris: [REDIRECT], grant_types: ['refresh_token'] }, /^grant_types: refresh_token needs authorization_code as well/],
        [{ ...SERVICE, default_acr_values: ['aal2'] }, /^default_acr_values: requiring the second factor is only for clients that sign users in/],
        [{ ...SERVICE, backchannel_logout_uri: backchannelUri }, /^backchannel_logout_uri: is only for clients that sign users in/],
        // An unserved grant is named as such (upstream's message), not as a redirect_uris problem.
        [{ redirect_uris: [REDIRECT], grant_types: ['implicit'], response_types: ['token'] }, /^grant_types can only contain/],
      ];
      const service = await register(SERVICE).then(async (r) => await r.json() as typeof client);
      for (const [body, description] of cases) {
        for (const res of [await register(body), await update(service, body)]) {
          const refused = await refusal(res);
          assert.deepEqual([refused.status, refused.error], [400, 'invalid_client_metadata'], JSON.stringify(body));
          assert.match(refused.description, description);
        }
      }
    });

    test('response_types and grant_types that disagree are refused, naming the fix, not quietly changed (RFC 7591 §2.1)', async () => {
      const service = await register(SERVICE).then(async (r) => await r.json() as typeof client);
      const cases: Array<[body: Record<string, unknown>, description: RegExp]> = [
        // Upstream said "redirect_uris is mandatory property": response_types defaults to ["code"].
        [{ client_name: 'Meter Sync', grant_types: ['client_credentials'] }, /^response_types: "code" \(the default when it is left out\) needs the authorization_code grant; a client that does not sign users in sends "response_types": \[\]/],
        // Upstream registered this with "grant_types": [], a client that can get no token.
        [{ redirect_uris: [REDIRECT], response_types: [] }, /^grant_types: authorization_code \(the default when it is left out\) needs the response type "code"/],
      ];
      for (const [body, description] of cases) {
        for (const res of [await register(body), await update(service, body)]) {
          const refused = await refusal(res);
          assert.deepEqual([refused.status, refused.error], [400, 'invalid_client_metadata'], JSON.stringify(body));
          assert.match(refused.description, description);
        }
      }
    });

    test('an operator\'s first-party decision survives the registrant\'s RFC 7592 update', async () => {
      const registered = await register({ client_name: 'Own App', redirect_uris: [REDIRECT] }).then(async (r) => await r.json() as typeof client);
      await createClientRegistry(idp.db, systemClock, async () => {}).update(registered.client_id, { firstParty: true });
      const res = await update(registered, { client_name: 'Own App', redirect_uris: [REDIRECT, 'http://127.0.0.1:8768/other'] });
      assert.equal(res.status, 200);
      const stored = await createClientRegistry(idp.db, systemClock, async () => {}).find(registered.client_id);
      assert.equal(stored?.jullix_first_party, true, 'still first-party: no consent screen for its users');
      assert.deepEqual(stored?.redirect_uris, [REDIRECT, 'http://127.0.0.1:8768/other']);
    });

    test('an operator\'s --require-mfa survives the registrant\'s RFC 7592 update; a registrant\'s own level does not bind it', async () => {
      const registry = createClientRegistry(idp.db, systemClock, async () => {});
      const registered = await register({ client_name: 'Payout App', redirect_uris: [REDIRECT], jullix_require_mfa: true }).then(async (r) => await r.json() as typeof client);
      assert.equal((registered as Record<string, unknown>).jullix_require_mfa, undefined, 'a registrant cannot set the operator\'s mark');
      await registry.update(registered.client_id, { requireMfa: true });
      const res = await update(registered, { client_name: 'Payout App', redirect_uris: [REDIRECT], default_acr_values: ['aal1'] });
      assert.equal(res.status, 200);
      const answer = await res.json() as { default_acr_values?: string[] };
      assert.deepEqual(answer.default_acr_values, ['aal2'], 'the registrant is told the floor it has');
      assert.deepEqual((await registry.find(registered.client_id))?.default_acr_values, ['aal2'], 'the second factor is still asked for');
      // Lifted by the operator, the registrant decides again.
      await registry.update(registered.client_id, { requireMfa: false });
      const own = await register({ client_name: 'Own Level', redirect_uris: [REDIRECT], default_acr_values: ['aal2'] }).then(async (r) => await r.json() as typeof client);
      const relaxed = await update(own, { client_name: 'Own Level', redirect_uris: [REDIRECT] });
      assert.equal(relaxed.status, 200);
      assert.deepEqual((await registry.find(own.client_id))?.default_acr_values, []);
    });

    test('RFC 7592: an update to a public client drops its secret; back to confidential, a new one is issued', async () => {
      const registered = await register({ client_name: 'Switcher', redirect_uris: [REDIRECT] }).then(async (r) => await r.json() as typeof client);
      const publicRes = await update(registered, { client_name: 'Switcher', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' });
      assert.equal(publicRes.status, 200);
      const madePublic = await publicRes.json() as typeof client & { token_endpoint_auth_method: string };
      assert.equal(madePublic.token_endpoint_auth_method, 'none');
      assert.equal('client_secret' in madePublic, false, 'a public client is not told a secret');
      const backRes = await update(madePublic, { client_name: 'Switcher', redirect_uris: [REDIRECT] });
      assert.equal(backRes.status, 200);
      const back = await backRes.json() as typeof client;
      assert.match(back.client_secret, /^[A-Za-z0-9_-]{43,}$/);
      assert.notEqual(back.client_secret, registered.client_secret, 'the secret given up does not come back');
    });

    test('client_name follows the admin CLI\'s rule (at most 128 characters, no control characters), at registration and on update', async () => {
      const registered = await register({ client_name: 'Named', redirect_uris: [REDIRECT] }).then(async (r) => await r.json() as typeof client);
      const cases: Array<[name: string, description: RegExp]> = [
        ['x'.repeat(20_000), /^client_name: must be at most 128 characters/],
        ['Solar\nStats\u0007', /^client_name: must not contain control characters/],
        ['Jullix \u202elatroP', /^client_name: must not contain bidirectional control characters/],
        ['Jullix\u200bPortal', /^client_name: must not contain invisible format characters such as U\+200B/],
      ];
      for (const [name, description] of cases) {
        for (const res of [await register({ client_name: name, redirect_uris: [REDIRECT] }), await update(registered, { client_name: name, redirect_uris: [REDIRECT] })]) {
          const refused = await refusal(res);
          assert.deepEqual([refused.status, refused.error], [400, 'invalid_client_metadata'], name.slice(0, 20));
          assert.match(refused.description, description);
        }
      }
      const localized = await refusal(await register({ client_name: 'Portal', 'client_name#fr': 'Portail\u200b', redirect_uris: [REDIRECT] }));
      assert.deepEqual([localized.status, localized.error], [400, 'invalid_client_metadata']);
      assert.match(localized.description, /^client_name#fr: must not contain invisible format characters such as U\+200B/);
      // Joiners that join letters or emoji are part of the name: Persian and emoji sequences need them.
      const joined = await register({ client_name: 'می\u200cخواهم 👩\u200d💻', redirect_uris: [REDIRECT] });
      assert.equal(joined.status, 201);
      assert.equal(((await joined.json()) as { client_name: string }).client_name, 'می\u200cخواهم 👩\u200d💻');
    });

    test('a refused redirect URI says why, at registration and on update', async () => {
      const reasons: Array<[uri: string, reason: RegExp]> = [
        ['http://evil.example/cb', /must use https/],
        ['https://app.example/cb#frag', /must not contain a fragment/],
        ['javascript:alert(1)', /uses the custom scheme "javascript:"/],
        ['https://*.example.com/cb', /must not contain a wildcard/],
        ['com.example.app:/cb', /uses the custom scheme/],
        ['https://user@app.example/cb', /must not contain user credentials/],
        ['/callback', /must be an absolute URI/],
      ];
      const res = await register({ client_name: 'Redirects', redirect_uris: ['https://redirects.example/cb'] });
      const registered = await res.json() as typeof client;
      for (const [uri, reason] of reasons) {
        for (const answer of [await register({ redirect_uris: [uri] }), await update(registered, { redirect_uris: [uri] })]) {
          const refused = await refusal(answer);
          assert.deepEqual([refused.status, refused.error], [400, 'invalid_redirect_uri'], uri);
          assert.ok(refused.description.startsWith(`redirect_uris: "${uri}" `), refused.description);
          assert.match(refused.description, reason);
        }
      }
    });

    test('logo_uri, client_uri, policy_uri, tos_uri (shown to people) and jwks_uri (the client\'s keys) must be https', async () => {
      for (const field of ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri', 'jwks_uri']) {
        const refused = await refusal(await register({ redirect_uris: [REDIRECT], [field]: 'http://evil.example.com/logo.png' }));
        assert.deepEqual([refused.status, refused.error], [400, 'invalid_client_metadata'], field);
        assert.match(refused.description, new RegExp(`^${field}: "http://evil.example.com/logo.png" must be an https URL`));
      }
    });

    /** The registered app's sign-in as nina, up to the consent page it must show. */
    async function signInToConsent(b: TestBrowser, extra: Record<string, string> = {}) {
      const rp = { issuer: idp.config.issuer, clientId: client.client_id, clientSecret: client.client_secret, redirectUri: REDIRECT };
      const config = await discover(rp);
      const started = await startSignIn(config, rp, extra);
      const page = await openSignInPage(b, started, REDIRECT);
      const consent = await submit(b, page.url, page.html, '/login', { username: 'nina', password: 'nina-password-1' }, REDIRECT);
      return { rp, config, started, consent };
    }

    test('refusing consent sends the registered app access_denied', async () => {
      const b = new TestBrowser();
      const { consent } = await signInToConsent(b);
      const refused = await submit(b, consent.url, consent.html, '/abort', {}, REDIRECT);
      assert.equal(new URL(refused.url).searchParams.get('error'), 'access_denied');
    });

    test('claims asked for through the claims parameter are shown on the consent page, as their scopes', async () => {
      const b = new TestBrowser();
      const { consent } = await signInToConsent(b, { scope: 'openid', claims: JSON.stringify({ userinfo: { email: null, name: null }, id_token: { roles: null } }) });
      const listed = [...consent.html.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
      assert.deepEqual(listed, ['je aanmelding bevestigen (een unieke code voor je account)', 'je naam en gebruikersnaam', 'je e-mailadres', 'je rol (klant, installateur of beheerder)']);
      const refused = await submit(b, consent.url, consent.html, '/abort', {}, REDIRECT);
      assert.equal(new URL(refused.url).searchParams.get('error'), 'access_denied');
    });

    const browser = new TestBrowser();

    test('consent is asked once, remembered across sessions, listed and revocable on the account page', async () => {
      const { rp, config, started, consent } = await signInToConsent(browser);
      assert.match(consent.html, /Solar Stats/);
      assert.match(consent.html, /<img class="app-logo" src="https:\/\/stats.example\/logo.png"/);
      assert.match(consent.html, /href="https:\/\/stats.example\/"/);
      const done = await submit(browser, consent.url, consent.html, '/consent', {}, REDIRECT);
      const tokens = await redeem(config, done.url, started);
      assert.ok(tokens.access_token);

      const other = new TestBrowser();
      const again = await startSignIn(config, rp);
      const page2 = await openSignInPage(other, again, REDIRECT);
      const direct = await submit(other, page2.url, page2.html, '/login', { username: 'nina', password: 'nina-password-1' }, REDIRECT);
      assert.ok(direct.url.startsWith(REDIRECT), 'no consent page in a new session');

      const account = await browser.follow(`${idp.url}/account`);
      const html = await account.res.text();
      assert.match(html, /data-testid="allowed-apps"[\s\S]*Solar Stats/);
      const form = findForm(html, '/apps/revoke', account.url);
      const revoked = await browser.postForm(form.action, form.fields);
      assert.equal(revoked.status, 303);
      const intro = await fetch(`${idp.url}/token/introspection`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ token: tokens.access_token }).toString(),
      });
      assert.equal(((await intro.json()) as { active: boolean }).active, false, 'tokens die with the grant');
      const third = await startSignIn(config, rp);
      const page3 = await openSignInPage(new TestBrowser(), third, REDIRECT);
      assert.match(page3.html, /name="password"/);
    });

    test('a deleted client takes its grants, tokens and remembered consent along (RFC 7592 §2.3), by DELETE or the CLI', async () => {
      for (const how of ['DELETE', 'cli'] as const) {
        const res = await register({ client_name: `Weather Now ${how}`, redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'] });
        assert.equal(res.status, 201);
        const app = await res.json() as typeof client;
        const rp = { issuer: idp.config.issuer, clientId: app.client_id, clientSecret: app.client_secret, redirectUri: REDIRECT };
        const config = await discover(rp);
        const b = new TestBrowser();
        const started = await startSignIn(config, rp);
        const page = await openSignInPage(b, started, REDIRECT);
        const consent = await submit(b, page.url, page.html, '/login', { username: 'nina', password: 'nina-password-1' }, REDIRECT);
        const done = await submit(b, consent.url, consent.html, '/consent', {}, REDIRECT);
        const tokens = await redeem(config, done.url, started);
        const service = await fetch(`${idp.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret }) });
        assert.equal(service.status, 200);
        assert.match(await (await b.follow(`${idp.url}/account`)).res.text(), new RegExp(`Weather Now ${how}`));
        const grantId = (await idp.db('remembered_grants').where('client_id', app.client_id).first('grant_id') as { grant_id: string }).grant_id;
        assert.ok(tokens.access_token && grantId);

        if (how === 'DELETE') {
          const del = await fetch(app.registration_client_uri, { method: 'DELETE', headers: { authorization: `Bearer ${app.registration_access_token}` } });
          assert.equal(del.status, 204);
        } else {
          await createClientRegistry(idp.db, systemClock, async () => {}).remove(app.client_id);
        }

        const account = await (await b.follow(`${idp.url}/account`)).res.text();
        assert.doesNotMatch(account, new RegExp(`Weather Now ${how}|${app.client_id}`), 'the account page no longer lists the app');
        assert.equal((await idp.db('remembered_grants').where('client_id', app.client_id).select('grant_id')).length, 0);
        assert.equal((await idp.db('oidc_models').where({ model: 'Grant', id: grantId }).select('id')).length, 0, 'the grant is gone');
        assert.equal((await idp.db('oidc_models').where('grant_id', grantId).select('id')).length, 0, 'and every token under it');
        const own = await idp.db('oidc_models').where('model', 'ClientCredentials').select('payload') as Array<{ payload: string }>;
        assert.ok(own.every((r) => !r.payload.includes(app.client_id)), 'its own client_credentials tokens too');
        const rats = await idp.db('oidc_models').where('model', 'RegistrationAccessToken').select('payload') as Array<{ payload: string }>;
        assert.ok(rats.every((r) => !r.payload.includes(app.client_id)), 'and its registration access token');
      }
    });

    test('RP-initiated logout ends the session and notifies the app over the back-channel', async () => {
      const b = new TestBrowser();
      const { rp, config, started, consent } = await signInToConsent(b);
      const done = await submit(b, consent.url, consent.html, '/consent', {}, REDIRECT);
      const idToken = (await redeem(config, done.url, started)).id_token ?? '';
      const bad = await b.request(`${idp.url}/session/end?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
      assert.equal(bad.status, 400);
      const confirm = await b.request(`${idp.url}/session/end?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent('http://127.0.0.1:8768/')}&state=s1`);
      const html = await confirm.text();
      assert.match(html, /op\.logoutForm/);
      const form = findForm(html, '/session/end/confirm', `${idp.url}/session/end`);
      logoutTokens = [];
      const out = await b.postForm(form.action, { ...form.fields, logout: 'yes' });
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), 'http://127.0.0.1:8768/?state=s1');
      for (let i = 0; i < 50 && logoutTokens.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(logoutTokens.length, 1);
      const payload = JSON.parse(Buffer.from(logoutTokens[0]!.split('.')[1] ?? '', 'base64url').toString()) as { events: Record<string, unknown>; aud: string };
      assert.ok('http://schemas.openid.net/event/backchannel-logout' in payload.events);
      assert.equal(payload.aud, client.client_id);
      const after = await openSignInPage(b, await startSignIn(config, rp), REDIRECT);
      assert.match(after.html, /name="password"/, 'signed out: the password is asked again');
    });
  });
}
