// A walk through every page the IdP renders, in one language, as one new installer: sign-in (and its
// error), enrolment (and its error), recovery codes, consent for a third-party app, the account page
// and its confirmation, sign-out and signed-out, a protocol error, the code page (a wrong code, a
// code three steps old, a recovery code). At each stop it calls `visit`: the accessibility spec runs
// axe there, the screenshots spec takes pictures. The language is picked with the switcher.
import { expect, type Page } from '@playwright/test';
import type { DemoRp } from '../demo-rp/server.ts';
import { AccountConfirmPage, AccountPage } from '../pages/account-page.ts';
import { ConsentPage } from '../pages/consent-page.ts';
import { EnrolPage } from '../pages/enrol-page.ts';
import { LogoutPage } from '../pages/logout-page.ts';
import { clickAndWaitForNewPage } from '../pages/navigation.ts';
import { RecoveryCodesPage } from '../pages/recovery-codes-page.ts';
import { RpHomePage } from '../pages/rp-home-page.ts';
import { SignInPage } from '../pages/sign-in-page.ts';
import { TotpPage } from '../pages/totp-page.ts';
import type { NewUser } from './cli.ts';
import type { E2eIdp } from './idp.ts';
import { timeStep, totpForStep, totpNow, wrongCode } from './totp.ts';

export const LANGUAGES = ['nl', 'fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The stops of the tour, in order, with what a reader of a report should know each one as. */
export const STOPS = {
  'sign-in': 'sign-in',
  'sign-in-error': 'sign-in, wrong password',
  'enrolment': 'TOTP enrolment',
  'enrolment-error': 'TOTP enrolment, wrong code',
  'recovery-codes': 'recovery codes after enrolment',
  'consent': 'consent (third-party app)',
  'account': 'account page',
  'account-confirm': 'account: confirm with password + code',
  'logout': 'sign-out confirmation',
  'signed-out': 'signed out',
  'error': 'error page (unknown client_id)',
  'totp': 'TOTP code',
  'totp-error': 'TOTP code, wrong code',
  'totp-clock': 'TOTP code, code from 3 steps ago (clock hint)',
  'recovery-notice': 'recovery code used, codes left',
} as const;
export type Stop = keyof typeof STOPS;

/** A word the clock hint must contain, per language (issue 11: "klok" in Dutch, "clock" in English). */
const CLOCK_WORD: Record<Language, string> = { nl: 'klok', fr: 'horloge', en: 'clock' };

export interface TourContext {
  page: Page;
  idp: E2eIdp;
  /** The first-party demo app (no consent). */
  demoRp: DemoRp;
  /** A third-party demo app (consent). */
  thirdPartyRp: DemoRp;
  /** A new installer, without TOTP: must enrol on the way in. */
  installer: NewUser;
}

export type Visit = (stop: Stop) => Promise<void>;

/** Picks `lang` with the switcher on the current page (a cookie: every later page keeps it). */
async function chooseLanguage(page: Page, lang: Language): Promise<void> {
  const link = page.locator(`nav.languages a[hreflang="${lang}"]`);
  // The current language is shown as text, not as a link.
  if (await link.count() > 0) await clickAndWaitForNewPage(page, link);
  await expect(page.locator('nav.languages [aria-current="true"]')).toHaveAttribute('lang', lang);
}

/** Runs the tour; the page is in `lang` at every stop (checked before `visit`). */
export async function tour(c: TourContext, lang: Language, visit: Visit): Promise<void> {
  const { page, idp, installer } = c;
  const rpHome = new RpHomePage(page, c.demoRp.url);
  const signIn = new SignInPage(page);
  const enrol = new EnrolPage(page);
  const totp = new TotpPage(page);
  const recovery = new RecoveryCodesPage(page);
  const stop = async (name: Stop) => {
    await expect(page.locator('html'), `the ${name} page is in ${lang}`).toHaveAttribute('lang', lang);
    await visit(name);
  };

  await rpHome.goto();
  await rpHome.startSignIn();
  await signIn.expectShown();
  await chooseLanguage(page, lang);
  await signIn.expectShown();
  await stop('sign-in');
  await signIn.signIn(installer.username, `${installer.password}-wrong`);
  await expect(signIn.alert).toBeVisible();
  await stop('sign-in-error');

  await signIn.signIn(installer.username, installer.password);
  await enrol.expectShown();
  await stop('enrolment');
  const secret = await enrol.manualKey();
  await enrol.confirm(wrongCode(secret, timeStep(Date.now())));
  await enrol.expectShown();
  await expect(enrol.alert).toBeVisible();
  await stop('enrolment-error');
  await enrol.confirm(totpNow(secret).code);
  await recovery.expectCodesShown();
  await stop('recovery-codes');
  const [recoveryCode = ''] = await recovery.codes();
  await recovery.continue();
  expect((await rpHome.claims())['acr']).toBe('aal2');

  const thirdParty = new RpHomePage(page, c.thirdPartyRp.url);
  const consent = new ConsentPage(page);
  await thirdParty.goto();
  await thirdParty.startSignIn();
  await consent.expectShown();
  await stop('consent');
  await consent.allow();
  await thirdParty.claims();

  const account = new AccountPage(page, idp.issuer);
  const confirm = new AccountConfirmPage(page);
  await account.goto();
  await account.expectShown();
  await expect(account.requiredNotice).toBeVisible();
  await stop('account');
  await account.regenerate();
  await confirm.expectShown({ withCode: true });
  await stop('account-confirm');

  const logout = new LogoutPage(page);
  await page.goto(`${idp.issuer}/session/end`);
  await logout.expectShown();
  await stop('logout');
  await logout.confirm();
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/session/end`));
  await expect(logout.heading).toBeVisible();
  await expect(logout.confirmButton).toHaveCount(0);
  await stop('signed-out');

  const unknownClient = new URLSearchParams({ client_id: 'no-such-client', response_type: 'code', scope: 'openid', redirect_uri: c.demoRp.redirectUri });
  const answer = await page.goto(`${idp.issuer}/auth?${unknownClient.toString()}`);
  expect(answer?.status()).toBe(400);
  await expect(page.locator('main [role="alert"]')).toBeVisible();
  await stop('error');

  await rpHome.goto();
  await rpHome.startSignIn();
  await signIn.expectShown();
  await signIn.signIn(installer.username, installer.password);
  await totp.expectShown();
  await stop('totp');
  await totp.submit(wrongCode(secret, timeStep(Date.now())));
  await totp.expectShown();
  await expect(totp.alert).toBeVisible();
  await stop('totp-error');
  // A phone whose clock is 90 s slow: the hint says so, and the code is still refused (±1 step only).
  await totp.submit(totpForStep(secret, timeStep(Date.now()) - 3));
  await totp.expectShown();
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
  await expect(totp.alert).toContainText(CLOCK_WORD[lang]);
  await stop('totp-clock');
  await totp.submit(recoveryCode);
  await recovery.expectNoticeShown();
  await stop('recovery-notice');
  await recovery.continue();
  expect((await rpHome.claims())['acr']).toBe('aal2');
  expect(page.url().startsWith(c.demoRp.url)).toBe(true);
}
