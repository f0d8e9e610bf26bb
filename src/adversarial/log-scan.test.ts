// The logs hold no secret: complete flows (password, enrolment, TOTP, recovery code, refresh,
// account page, logout, Dynamic Client Registration) and their failures run with every log line
// captured at debug level; then no password, TOTP secret or code, recovery code, authorization code,
// token or registration token may appear in them (ASVS 16.2.5).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { manualClock } from '../security/clock.ts';
import { addTestClients, codeFor, CONFIDENTIAL_CLIENT, findLogoutForm, isCallback, newBrowser, open, passwordStep, POST_LOGOUT, recoveryCodesOf, redeem, REDIRECT, secretOf, signInForTokens, submit, tokenRequest } from './flows.ts';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('log scan', () => {
  let idp: TestIdp;
  const clock = manualClock(Date.now());
  /** Every secret a flow handled, with what it is, to look for afterwards. */
  const secrets: Array<[string, string]> = [];
  const keep = (label: string, value: unknown) => {
    if (typeof value === 'string' && value.length > 0) secrets.push([label, value]);
  };

  before(async () => {
    idp = await startTestIdp({ clock });
    await addTestClients(idp);
    await idp.addUser({ username: 'lena', password: 'lena-password-long' });
    await idp.addUser({ username: 'ivo', password: 'ivo-password-long', role: 'installer' });
    keep('password', 'lena-password-long');
    keep('password', 'ivo-password-long');
  });
  after(() => idp.stop());

  test('password sign-in, refresh, userinfo, introspection, revocation, failures', async () => {
    const { code, tokens } = await signInForTokens(newBrowser(), idp, CONFIDENTIAL_CLIENT, 'lena', 'lena-password-long');
    keep('authorization code', code);
    keep('access token', tokens.access_token);
    keep('refresh token', tokens.refresh_token);
    keep('ID token', tokens.id_token);
    keep('client secret', CONFIDENTIAL_CLIENT.client_secret);
    const refreshed = await tokenRequest(idp, CONFIDENTIAL_CLIENT, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }));
    keep('access token', refreshed.json.access_token);
    keep('refresh token', refreshed.json.refresh_token);
    assert.equal((await fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${String(refreshed.json.access_token)}` } })).status, 200);
    await tokenRequest(idp, CONFIDENTIAL_CLIENT, new URLSearchParams({ token: String(refreshed.json.access_token) }), '/token/introspection');
    await tokenRequest(idp, CONFIDENTIAL_CLIENT, new URLSearchParams({ token: String(refreshed.json.refresh_token) }), '/token/revocation');
    // Failures: a wrong password, a replayed code and a replayed refresh token.
    keep('wrong password', 'lena-wrong-password-9');
    const wrong = await passwordStep(newBrowser(), idp, CONFIDENTIAL_CLIENT, 'lena', 'lena-wrong-password-9');
    assert.equal(wrong.page.status, 401);
    assert.equal((await redeem(idp, CONFIDENTIAL_CLIENT, code, 'x'.repeat(43))).status, 400);
    assert.equal((await tokenRequest(idp, CONFIDENTIAL_CLIENT, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }))).status, 400);
  });

  test('enrolment, TOTP, recovery code, the account page and logout', async () => {
    const browser = newBrowser();
    const { started, page: enrol } = await passwordStep(browser, idp, CONFIDENTIAL_CLIENT, 'ivo', 'ivo-password-long');
    const secret = secretOf(enrol.html);
    keep('TOTP secret', secret);
    const wrongCode = await submit(browser, enrol, '/enrol', { code: '000001' });
    const enrolCode = await codeFor(secret, clock.now());
    keep('TOTP code', enrolCode);
    const shown = await submit(browser, wrongCode, '/enrol', { code: enrolCode });
    const recovery = recoveryCodesOf(shown.html);
    assert.equal(recovery.length, 10);
    for (const c of recovery) { keep('recovery code', c); keep('recovery code', c.replace('-', '')); }
    const done = await submit(browser, shown, '/continue');
    const tokens = await redeem(idp, CONFIDENTIAL_CLIENT, new URL(done.url).searchParams.get('code') ?? '', started.verifier);
    keep('ID token', tokens.json.id_token);
    keep('access token', tokens.json.access_token);

    clock.advance(30_000);
    const totp = newBrowser();
    const step = (await passwordStep(totp, idp, CONFIDENTIAL_CLIENT, 'ivo', 'ivo-password-long')).page;
    const totpCode = await codeFor(secret, clock.now());
    keep('TOTP code', totpCode);
    const signedIn = await submit(totp, step, '/totp', { code: totpCode });
    assert.ok(isCallback(signedIn.url));
    keep('authorization code', new URL(signedIn.url).searchParams.get('code'));

    const viaRecovery = newBrowser();
    const recoveryStep = (await passwordStep(viaRecovery, idp, CONFIDENTIAL_CLIENT, 'ivo', 'ivo-password-long')).page;
    const notice = await submit(viaRecovery, recoveryStep, '/totp', { code: recovery[0] ?? '' });
    assert.ok(isCallback((await submit(viaRecovery, notice, '/continue')).url));

    // The account page signs in with its own client: that code travels in /account/callback's query.
    clock.advance(30_000);
    const account = newBrowser();
    const login = await open(account, `${idp.url}/account`);
    const accountTotp = await submit(account, login, '/login', { username: 'ivo', password: 'ivo-password-long' });
    const accountCode = await codeFor(secret, clock.now());
    keep('TOTP code', accountCode);
    const overview = await submit(account, accountTotp, '/totp', { code: accountCode });
    for (const location of overview.locations) keep('account page authorization code', new URL(location, idp.url).searchParams.get('code'));
    assert.match(overview.html, /data-testid="account-username"/);
    clock.advance(30_000);
    const changeCode = await codeFor(secret, clock.now());
    keep('TOTP code', changeCode);
    keep('new password', 'ivo-new-password-long');
    const changed = await submit(account, overview, '/password', { password: 'ivo-password-long', code: changeCode, new_password: 'ivo-new-password-long', new_password_repeat: 'ivo-new-password-long' });
    assert.match(changed.url, /notice=password-changed/);

    // RP-initiated logout carries the ID token in the query string.
    const idToken = String(tokens.json.id_token);
    const confirm = await open(totp, `${idp.url}/session/end?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}`);
    const form = findLogoutForm(confirm.html, `${idp.url}/session/end`);
    keep('logout xsrf', form.fields.xsrf);
    await totp.postForm(form.action, { ...form.fields, logout: 'yes' });
  });

  test('Dynamic Client Registration: create, read, update, delete, and a bad token', async () => {
    const iat = await new idp.app.provider.InitialAccessToken({ expiresIn: 600, policies: ['third-party'] }).save();
    keep('initial access token', iat);
    const json = (auth: string, body?: unknown, method = 'POST', url = `${idp.url}/reg`) =>
      fetch(url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const created = await (await json(iat, { client_name: 'Logged app', redirect_uris: [REDIRECT] })).json() as Record<string, string>;
    keep('client secret', created.client_secret);
    keep('registration access token', created.registration_access_token);
    const uri = created.registration_client_uri ?? '';
    assert.equal((await json(created.registration_access_token ?? '', undefined, 'GET', uri)).status, 200);
    const updated = await (await json(created.registration_access_token ?? '', { client_id: created.client_id, client_name: 'Logged app 2', redirect_uris: [REDIRECT] }, 'PUT', uri)).json() as Record<string, string>;
    keep('rotated registration access token', updated.registration_access_token);
    keep('client secret', updated.client_secret);
    keep('forged token', 'forged-registration-token-0123456789abcdef');
    assert.equal((await json('forged-registration-token-0123456789abcdef', undefined, 'GET', uri)).status, 401);
    assert.equal((await json(updated.registration_access_token ?? '', undefined, 'DELETE', uri)).status, 204);
  });

  test('no secret of any flow appears in any log line', () => {
    const all = idp.logs.join('\n');
    assert.ok(idp.logs.length > 50, `only ${idp.logs.length} log lines`);
    assert.ok(secrets.length > 40, `only ${secrets.length} secrets collected`);
    const leaked = secrets.filter(([, value]) => (value.length >= 16
      ? all.includes(value)
      // Short values (codes) only as a whole word, not inside a request id or timestamp.
      : new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(value)}(?![A-Za-z0-9])`).test(all)));
    assert.deepEqual(leaked.map(([label, value]) => `${label}: ${value.slice(0, 6)}…`), []);
  });
});
