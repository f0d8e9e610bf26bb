// `npm run screenshots` (issue 11): every page of the tour (support/page-tour.ts) in every language,
// at phone (360×640) and desktop (1280×800) size, as full-page PNGs in screenshots/ (not committed),
// with screenshots/index.html to look at all of them at once. Skipped by `npm run test:e2e`: the
// config only picks this file up when SCREENSHOTS=1.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/node.ts';
import { LANGUAGES, STOPS, tour, type Language, type Stop } from './support/page-tour.ts';

const DIR = path.join(REPO_ROOT, 'screenshots');
const SIZES = [{ width: 360, height: 640 }, { width: 1280, height: 800 }] as const;
type Size = (typeof SIZES)[number];
const ORDER = Object.keys(STOPS) as Stop[];

function fileName(stop: Stop, lang: Language, size: Size): string {
  const n = String(ORDER.indexOf(stop) + 1).padStart(2, '0');
  return `${n}-${stop}-${lang}-${size.width}x${size.height}.png`;
}

/** One row per page, one column per language and size. */
function indexHtml(): string {
  const head = LANGUAGES.flatMap((l) => SIZES.map((s) => `<th>${l} ${s.width}×${s.height}</th>`)).join('');
  const rows = ORDER.map((stop) => `<tr><th>${STOPS[stop]}</th>${LANGUAGES.flatMap((l) => SIZES.map((s) => {
    const file = fileName(stop, l, s);
    return `<td><a href="${file}"><img src="${file}" alt="${STOPS[stop]}, ${l}, ${s.width}×${s.height}" width="${s.width === 360 ? 180 : 320}" loading="lazy"></a></td>`;
  })).join('')}</tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>jullix-idp screenshots</title>
<style>body{font:14px system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}img{display:block}</style></head>
<body><h1>jullix-idp: every page, nl · fr · en, phone and desktop</h1><table><thead><tr><th>page</th>${head}</tr></thead><tbody>
${rows}
</tbody></table></body></html>\n`;
}

test.describe('screenshots of every page', () => {
  test.beforeAll(async () => {
    await mkdir(DIR, { recursive: true });
    await writeFile(path.join(DIR, 'index.html'), indexHtml());
  });

  for (const lang of LANGUAGES) {
    test(`${lang}: every page at 360×640 and 1280×800`, async ({ page, idp, demoRp, thirdPartyRp, installer }) => {
      test.setTimeout(180_000);
      const initial = page.viewportSize() ?? { width: 1280, height: 720 };
      await tour({ page, idp, demoRp, thirdPartyRp, installer }, lang, async (stop) => {
        for (const size of SIZES) {
          await page.setViewportSize(size);
          // Let Chromium lay out and paint at the new size first: without it, a full-page picture
          // taken right after the resize sometimes misses the bottom of the form.
          await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
          await page.screenshot({ path: path.join(DIR, fileName(stop, lang, size)), fullPage: true });
        }
        await page.setViewportSize(initial);
      });
      console.log(`${lang}: ${ORDER.length * SIZES.length} screenshots in ${path.relative(REPO_ROOT, DIR)}/`);
    });
  }
});
