// The self-service account page driven like a browser: sign in on /account (password, and a code
// when asked) and post its forms, following the redirects.
import { totpAt, timeStepAt } from '../factors/totp.ts';
import { findForm, secretOf, type TestBrowser } from './browser.ts';

export interface Page { url: string; html: string }

/** Opens /account, signs in with the password (and a code at `now` when `secret` is given), returns the overview. */
export async function accountSignIn(browser: TestBrowser, baseUrl: string, username: string, password: string, secret?: string, now = Date.now()): Promise<Page> {
  const first = await browser.follow(`${baseUrl}/account`);
  let html = await first.res.text();
  let url = first.url;
  const steps: Array<[string, Record<string, string>]> = [['/login', { username, password }]];
  if (secret) steps.push(['/totp', { code: await totpAt(secret, timeStepAt(now)) }]);
  for (const [action, values] of steps) {
    const form = findForm(html, action, url);
    const res = await browser.postForm(form.action, { ...form.fields, ...values });
    const landed = await browser.follow(new URL(res.headers.get('location') ?? form.action, form.action).href);
    html = await landed.res.text();
    url = landed.url;
  }
  return { url, html };
}

/** Posts the page's form whose action contains `action`, following a 303 to where it lands. */
export async function postAccountForm(browser: TestBrowser, page: Page, action: string, values: Record<string, string> = {}): Promise<Page & { status: number }> {
  const form = findForm(page.html, action, page.url);
  const res = await browser.postForm(form.action, { ...form.fields, ...values });
  if (res.status === 303) {
    const landed = await browser.follow(new URL(res.headers.get('location') ?? '', form.action).href);
    return { url: landed.url, status: landed.res.status, html: await landed.res.text() };
  }
  return { url: form.action, status: res.status, html: await res.text() };
}

/** From the overview to the enrolment page (the QR code and the key): "turn on", then the password. */
export async function openEnrolment(browser: TestBrowser, overview: Page, password: string): Promise<Page & { status: number }> {
  return postAccountForm(browser, await postAccountForm(browser, overview, '/2fa/enable'), '/2fa/enable', { password });
}

/** Turns two-step verification on from the overview with a code at `now`; returns the key and the recovery-codes page. */
export async function enrolOnAccountPage(browser: TestBrowser, overview: Page, password: string, now: number): Promise<{ secret: string; codes: Page }> {
  const enrol = await openEnrolment(browser, overview, password);
  const secret = secretOf(enrol.html);
  return { secret, codes: await postAccountForm(browser, enrol, '/2fa/enrol', { code: await totpAt(secret, timeStepAt(now)) }) };
}
