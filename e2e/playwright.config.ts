// Playwright for jullix-idp: Debian's Chromium only (see support/ensure-chromium.ts), no retries
// that could hide a flaky sign-in, one IdP child process per worker (support/idp.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  testDir: here,
  testMatch: '**/*.spec.ts',
  // `npm run screenshots` (SCREENSHOTS=1) takes pictures of every page; the test run skips that file.
  testIgnore: process.env['SCREENSHOTS'] ? [] : ['**/screenshots.spec.ts'],
  outputDir: path.join(here, '..', 'test-results'),
  // The tests are CPU-bound (argon2, Chromium, the IdP): on 2 cores one worker finishes sooner than
  // two and keeps the printed sign-in time honest. `--workers=2` works: each gets its own IdP.
  workers: 1,
  fullyParallel: true,
  retries: 0,
  forbidOnly: Boolean(process.env['CI']),
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    // The portal's users are Flemish; specs that test other languages set their own locale.
    locale: 'nl-BE',
    // Recording a trace roughly doubles the time of every step on these 2-core machines: only
    // when asked (E2E_TRACE=1), for the failures. A screenshot of a failure is always kept.
    trace: process.env['E2E_TRACE'] ? 'retain-on-failure' : 'off',
    screenshot: 'only-on-failure',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
});
