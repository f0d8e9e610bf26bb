// RP-initiated logout (RP-Initiated Logout 1.0) as a person sees it: with and without a session,
// with and without an app named, and the page after. Every variant is our page, in the person's
// language, with catalogue text only, and the provider's confirm step still works through it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { findForm, TestBrowser } from '../testing/browser.ts';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { discover, passwordSignIn, type RpOptions } from '../testing/relying-party.ts';
import { translator, type Locale } from '../../interactions/i18n/index.ts';
import { logoutWithoutSessionXsrf } from './logout-without-session.ts';

const REDIRECT = 'http://127.0.0.1:8775/callback';
const BYE = 'http://127.0.0.1:8775/bye';
const HOSTILE_NAME = 'Sol & <b>"Co"</b>';
const ESCAPED_NAME = 'Sol &amp; &lt;b&gt;&quot;Co&quot;&lt;/b&gt;';

test('logoutWithoutSessionXsrf: only the end_session answer for a session nobody is signed in to', () => {
  const fresh = { state: { secret: 'x1' } };
  assert.equal(logoutWithoutSessionXsrf('end_session', 200, fresh), 'x1');
  assert.equal(logoutWithoutSessionXsrf('end_session', 200, { ...fresh, accountId: 'a' }), undefined, 'a signed-in session gets logoutSource');
  assert.equal(logoutWithoutSessionXsrf('end_session', 400, fresh), undefined, 'an error page stays');
  assert.equal(logoutWithoutSessionXsrf('end_session_success', 200, fresh), undefined);
  assert.equal(logoutWithoutSessionXsrf(undefined, 200, fresh), undefined);
  assert.equal(logoutWithoutSessionXsrf('end_session', 200, { state: {} }), undefined);
  assert.equal(logoutWithoutSessionXsrf('end_session', 200, undefined), undefined);
});

/** What a person reads in the page's card (tags dropped, entities as shown, spaces collapsed). */
function cardText(html: string): string {
  const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? '';
  return main.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ').trim();
}

/** Our layout, in `locale`: the brand header, the language switcher, our stylesheet, and no provider page. */
function assertOurPage(html: string, locale: Locale, where: string): void {
  assert.match(html, new RegExp(`<html lang="${locale}">`), where);
  assert.match(html, /<header class="brand"><span class="brand-name">Jullix<\/span>/, where);
  assert.match(html, /<nav class="languages"/, where);
  assert.match(html, /href="\/assets\/style\.css"/, where);
  assert.doesNotMatch(html, /Submitting Callback|Sign-out Success|Logout Request|<script>/, where);
}

describe('the logout pages', () => {
  let idp: TestIdp;
  let rp: RpOptions;
  let config: oidc.Configuration;
  before(async () => {
    idp = await startTestIdp();
    await idp.addUser({ username: 'lotte', password: 'lotte-password-1' });
    await idp.addClient({ client_id: 'portal', client_name: HOSTILE_NAME, redirect_uris: [REDIRECT], post_logout_redirect_uris: [BYE], token_endpoint_auth_method: 'none', jullix_first_party: true });
    rp = { issuer: idp.config.issuer, clientId: 'portal', redirectUri: REDIRECT };
    config = await discover(rp);
  });
  after(() => idp.stop());

  async function page(browser: TestBrowser, url: string): Promise<{ res: Response; html: string }> {
    const res = await browser.request(url);
    return { res, html: await res.text() };
  }

  test('no session, no id_token_hint: our page in the browser\'s language, whose form signs out and lands on our signed-out page', async () => {
    const t = translator('en');
    const browser = new TestBrowser({ 'accept-language': 'en' });
    const { res, html } = await page(browser, `${idp.url}/session/end`);
    assert.equal(res.status, 200);
    assertOurPage(html, 'en', 'no session');
    assert.equal(cardText(html), `${t('logout.title')} ${t('logout.none', { brand: 'Jullix' })} ${t('common.continue')}`);
    // Our policy, without the hash the provider adds for its own inline script; ours is a file.
    const policy = res.headers.get('content-security-policy') ?? '';
    assert.match(policy, /script-src 'self';/);
    assert.doesNotMatch(policy, /sha256-/);
    assert.match(html, /<script src="\/assets\/logout\.js" defer><\/script>/);
    assert.equal((await fetch(`${idp.url}/assets/logout.js`)).status, 200);

    const form = findForm(html, '/session/end/confirm', `${idp.url}/session/end`);
    assert.equal(form.fields['logout'], 'yes');
    assert.match(form.fields['xsrf'] ?? '', /^[0-9a-f]{48}$/);
    const confirmed = await browser.postForm(form.action, form.fields);
    assert.equal(confirmed.status, 303);
    const done = await browser.follow(new URL(confirmed.headers.get('location') ?? '', form.action).href);
    assert.equal(new URL(done.url).pathname, '/session/end/success');
    const doneHtml = await done.res.text();
    assertOurPage(doneHtml, 'en', 'signed out');
    assert.equal(cardText(doneHtml), `${t('logout.done.title')} ${t('logout.done.body')}`);
  });

  test('no session, with the app named: ui_locales wins, the name is escaped, and a wrong xsrf is refused on our error page', async () => {
    const t = translator('fr');
    const browser = new TestBrowser({ 'accept-language': 'nl', accept: 'text/html' });
    const { html } = await page(browser, `${idp.url}/session/end?client_id=portal&ui_locales=fr&post_logout_redirect_uri=${encodeURIComponent(BYE)}&state=s-1`);
    assertOurPage(html, 'fr', 'no session, app named');
    assert.ok(html.includes(ESCAPED_NAME), 'the name as text');
    assert.ok(!html.includes(HOSTILE_NAME) && !html.includes('<b>'), 'never as markup');
    assert.equal(cardText(html), `${t('logout.title')} ${t('logout.none', { brand: 'Jullix' })} ${t('logout.asked_by', { app: HOSTILE_NAME })} ${t('common.continue')}`);

    const form = findForm(html, '/session/end/confirm', `${idp.url}/session/end`);
    const forged = await browser.postForm(form.action, { ...form.fields, xsrf: 'f'.repeat(48) });
    assert.equal(forged.status, 400);
    assertOurPage(await forged.text(), 'nl', 'wrong xsrf');
    const confirmed = await browser.postForm(form.action, form.fields);
    assert.equal(confirmed.headers.get('location'), `${BYE}?state=s-1`, 'back to the app it registered');
  });

  test('with a session and no id_token_hint: our question; staying signed in ends only that app, and the page after says so', async () => {
    const browser = new TestBrowser({ 'accept-language': 'en' });
    await passwordSignIn(browser, config, rp, 'lotte', 'lotte-password-1');
    const t = translator('en');

    const asked = await page(browser, `${idp.url}/session/end`);
    assertOurPage(asked.html, 'en', 'session');
    assert.equal(cardText(asked.html), `${t('logout.title')} ${t('logout.question', { brand: 'Jullix' })} ${t('logout.yes')} ${t('logout.no')}`);

    const named = await page(browser, `${idp.url}/session/end?client_id=portal`);
    assert.ok(named.html.includes(ESCAPED_NAME) && !named.html.includes('<b>'));
    assert.equal(cardText(named.html), `${t('logout.title')} ${t('logout.question', { brand: 'Jullix' })} ${t('logout.asked_by', { app: HOSTILE_NAME })} ${t('logout.yes')} ${t('logout.no')}`);
    // "No, stay signed in": the provider's form without logout=yes.
    const form = findForm(named.html, '/session/end/confirm', `${idp.url}/session/end`);
    const stayed = await browser.postForm(form.action, form.fields);
    const after = await browser.follow(new URL(stayed.headers.get('location') ?? '', form.action).href);
    assert.equal(new URL(after.url).searchParams.get('client_id'), 'portal');
    const afterHtml = await after.res.text();
    assertOurPage(afterHtml, 'en', 'stayed signed in');
    assert.ok(afterHtml.includes(ESCAPED_NAME) && !afterHtml.includes('<b>'));
    assert.equal(cardText(afterHtml), `${t('logout.done.title')} ${t('logout.done.app', { app: HOSTILE_NAME, brand: 'Jullix' })}`);
    // Still signed in: the next logout request asks again rather than going straight on.
    assert.match((await page(browser, `${idp.url}/session/end`)).html, /name="logout" value="yes"/);
  });

  test('the signed-out page opened by hand with an app named says "still signed in" only to a browser that is', async () => {
    const t = translator('en');
    const stranger = new TestBrowser({ 'accept-language': 'en' });
    const { html } = await page(stranger, `${idp.url}/session/end/success?client_id=portal`);
    assertOurPage(html, 'en', 'no session');
    assert.equal(cardText(html), `${t('logout.done.title')} ${t('logout.done.body')}`);

    const signedIn = new TestBrowser({ 'accept-language': 'en' });
    await passwordSignIn(signedIn, config, rp, 'lotte', 'lotte-password-1');
    const named = await page(signedIn, `${idp.url}/session/end/success?client_id=portal`);
    assert.equal(cardText(named.html), `${t('logout.done.title')} ${t('logout.done.app', { app: HOSTILE_NAME, brand: 'Jullix' })}`);
  });
});
