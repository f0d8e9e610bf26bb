// Issue 11 in Chromium: axe-core finds 0 WCAG 2.2 AA violations on every page the IdP renders, in
// Dutch, French and English, and none of them scrolls sideways at 360 px; on a phone the enrolment
// page offers the QR code's otpauth:// URI as a link and the numeric keyboard; a code from three
// steps ago gets the clock hint and is refused (in the tour, support/page-tour.ts, in every language).
import { expect, test } from './support/fixtures.ts';
import { runAxe, WCAG_TAGS } from './support/axe.ts';
import { LANGUAGES, STOPS, tour, type Language, type Stop } from './support/page-tour.ts';
import { totpNow } from './support/totp.ts';

const PHONE = { width: 360, height: 640 };
// A tour signs in three times (argon2 each), runs axe at 15 stops and creates its user by the CLI.
const TOUR_TIMEOUT = 120_000;

/** What this worker checked: per page and language, the violations found and the width at 360 px. */
const checked = new Map<Stop, Partial<Record<Language, string>>>();
const needsReview = new Set<string>();
let engine = '';

function printChecked(): void {
  if (checked.size === 0) return;
  const pad = (s: string, n: number) => s.padEnd(n);
  const width = Math.max(...Object.values(STOPS).map((s) => s.length)) + 2;
  const lines = [
    `axe-core ${engine}, rule tags ${WCAG_TAGS.join(' ')}; each cell: violations / document width at 360 px`,
    pad('page', width) + LANGUAGES.map((l) => pad(l, 12)).join(''),
    ...[...checked].map(([stop, byLang]) => pad(STOPS[stop], width) + LANGUAGES.map((l) => pad(byLang[l] ?? '-', 12)).join('')),
    `${checked.size} pages × ${LANGUAGES.length} languages; rules axe left for review (incomplete): ${[...needsReview].sort().join(', ') || 'none'}`,
  ];
  console.log(lines.join('\n'));
}

test('the checker is not blind: axe reports known faults on a page made to have them', async ({ page }) => {
  await page.setContent(`<!doctype html><html><head><title>faults</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text" name="code">
<p style="color:#999;background:#fff">grey on white</p></main></body></html>`);
  const report = await runAxe(page);
  const ids = report.violations.map((v) => v.split(' ')[0]);
  expect(ids).toEqual(expect.arrayContaining(['color-contrast', 'html-has-lang', 'image-alt', 'label']));
});

test.describe('accessibility of every page, in every language', () => {
  test.afterAll(printChecked);

  for (const lang of LANGUAGES) {
    test(`${lang}: 0 axe violations on every page, no horizontal scroll at 360 px, the clock hint`, async ({ page, idp, demoRp, thirdPartyRp, installer }) => {
      test.setTimeout(TOUR_TIMEOUT);
      const desktop = page.viewportSize() ?? { width: 1280, height: 720 };
      await tour({ page, idp, demoRp, thirdPartyRp, installer }, lang, async (stop) => {
        const report = await runAxe(page);
        engine = report.engine;
        for (const id of report.incomplete) needsReview.add(id);
        expect.soft(report.violations, `axe on "${STOPS[stop]}" in ${lang}`).toEqual([]);
        // The new recovery codes' page has no language links (a link would lose the codes): fewer
        // elements, so fewer rules apply to it (9); every other page gets more than 10.
        expect.soft(report.applicable, `axe applied no rules to "${STOPS[stop]}"`).toBeGreaterThan(stop === 'recovery-codes' ? 8 : 10);

        await page.setViewportSize(PHONE);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        await page.setViewportSize(desktop);
        expect.soft(scrollWidth, `document width of "${STOPS[stop]}" in ${lang} at 360 px`).toBeLessThanOrEqual(PHONE.width);
        checked.set(stop, { ...checked.get(stop), [lang]: `${report.violations.length} / ${scrollWidth}` });
      });
    });
  }
});

test.describe('enrolling on a phone (360×640)', () => {
  test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

  test('the enrolment page fits, opens the authenticator app with the QR code\'s URI, and asks for digits', async ({ page, installer, rpHome, signInPage, enrolPage, recoveryCodesPage }) => {
    await rpHome.goto();
    await rpHome.startSignIn();
    await signInPage.signIn(installer.username, installer.password);
    await enrolPage.expectShown();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    // The person enrolling on the phone that runs the app cannot scan its own screen: the link opens it.
    await expect(enrolPage.openAppLink).toBeVisible();
    const href = await enrolPage.openAppLink.getAttribute('href') ?? '';
    expect(href.startsWith('otpauth://totp/'), href).toBe(true);
    expect(href).toBe(await enrolPage.keyUriFromImageData());
    await expect(enrolPage.code).toHaveAttribute('inputmode', 'numeric');
    await expect(enrolPage.code).toHaveAttribute('autocomplete', 'one-time-code');
    // Big enough to tap (the stylesheet promises 2.75rem = 44 px).
    for (const target of [enrolPage.code, enrolPage.submitButton]) {
      expect((await target.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44);
    }

    // What the app would do with the link: take the key from it, and show codes that work.
    const secret = new URL(href).searchParams.get('secret') ?? '';
    await enrolPage.code.tap();
    await enrolPage.confirm(totpNow(secret).code);
    await recoveryCodesPage.expectCodesShown();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  });
});
