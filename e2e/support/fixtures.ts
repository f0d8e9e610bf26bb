// The fixtures every spec uses: one IdP child process and one demo relying app per worker (with its
// client registered through the CLI), a fresh customer or installer per test, and the page objects.
// A second demo app, registered as a third party (so people are asked for consent), on demand.
import type { NewUser } from './cli.ts';
import { test as idpTest } from './idp.ts';
import { freePort } from './ports.ts';
import { startDemoRp, type DemoRp } from '../demo-rp/server.ts';
import { AccountConfirmPage, AccountPage } from '../pages/account-page.ts';
import { ConsentPage } from '../pages/consent-page.ts';
import { EnrolPage } from '../pages/enrol-page.ts';
import { LogoutPage } from '../pages/logout-page.ts';
import { RecoveryCodesPage } from '../pages/recovery-codes-page.ts';
import { RpHomePage } from '../pages/rp-home-page.ts';
import { SignInPage } from '../pages/sign-in-page.ts';
import { TotpPage } from '../pages/totp-page.ts';

interface WorkerFixtures {
  demoRp: DemoRp;
  /** A demo app registered without --first-party: its first sign-in shows the consent page. */
  thirdPartyRp: DemoRp;
}
interface TestFixtures {
  customer: NewUser;
  /** A new installer: a role that must have TOTP (mfa.requiredRoles), so without it they enrol. */
  installer: NewUser;
  rpHome: RpHomePage;
  signInPage: SignInPage;
  logoutPage: LogoutPage;
  enrolPage: EnrolPage;
  totpPage: TotpPage;
  recoveryCodesPage: RecoveryCodesPage;
  consentPage: ConsentPage;
  accountPage: AccountPage;
  accountConfirmPage: AccountConfirmPage;
  idpLogOnFailure: void;
}

export const test = idpTest.extend<TestFixtures, WorkerFixtures>({
  demoRp: [async ({ idp }, use) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const client = await idp.createClient({
      name: 'Jullix demo app', redirectUri: `${base}/callback`, postLogoutRedirectUri: `${base}/`, firstParty: true,
    });
    const rp = await startDemoRp({ issuer: idp.issuer, port, ...client });
    await use(rp);
    await rp.close();
  }, { scope: 'worker' }],

  thirdPartyRp: [async ({ idp }, use) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const client = await idp.createClient({ name: 'Energie Vergelijker', redirectUri: `${base}/callback`, postLogoutRedirectUri: `${base}/` });
    const rp = await startDemoRp({ issuer: idp.issuer, port, ...client });
    await use(rp);
    await rp.close();
  }, { scope: 'worker' }],

  // A failing test gets the IdP's recent output attached to its report.
  idpLogOnFailure: [async ({ idp }, use, testInfo) => {
    await use();
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('idp-output.txt', { body: idp.output(), contentType: 'text/plain' });
  }, { auto: true }],

  customer: async ({ idp }, use) => {
    await use(await idp.createUser({ role: 'customer' }));
  },
  installer: async ({ idp }, use) => {
    await use(await idp.createUser({ role: 'installer' }));
  },
  rpHome: async ({ page, demoRp }, use) => {
    await use(new RpHomePage(page, demoRp.url));
  },
  signInPage: async ({ page }, use) => {
    await use(new SignInPage(page));
  },
  logoutPage: async ({ page }, use) => {
    await use(new LogoutPage(page));
  },
  enrolPage: async ({ page }, use) => {
    await use(new EnrolPage(page));
  },
  totpPage: async ({ page }, use) => {
    await use(new TotpPage(page));
  },
  recoveryCodesPage: async ({ page }, use) => {
    await use(new RecoveryCodesPage(page));
  },
  consentPage: async ({ page }, use) => {
    await use(new ConsentPage(page));
  },
  accountPage: async ({ page, idp }, use) => {
    await use(new AccountPage(page, idp.issuer));
  },
  accountConfirmPage: async ({ page }, use) => {
    await use(new AccountConfirmPage(page));
  },
});

export { expect } from '@playwright/test';
