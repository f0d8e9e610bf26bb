// A TOTP code the IdP has not seen yet. It accepts each 30 s time step once (replay protection), so
// a second code for the same person may have to wait, at most one period, for the next step.
import { expect, type Page } from '@playwright/test';
import { msUntilStep, totpNow } from './totp.ts';

/** A code from a time step after `usedStep`: waits (at most one period) for that step to begin. */
export async function freshCodeAfter(page: Page, secret: string, usedStep: number): Promise<{ code: string; step: number }> {
  const waitMs = msUntilStep(usedStep + 1, Date.now());
  console.log(`waiting ${waitMs} ms for a fresh TOTP time step`);
  await page.waitForTimeout(waitMs);
  const fresh = totpNow(secret);
  expect(fresh.step).toBeGreaterThan(usedStep);
  return fresh;
}
