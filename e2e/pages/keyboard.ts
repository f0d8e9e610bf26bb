// Getting around a page the way a keyboard user does: Tab until the control has focus.
import { expect, type Locator, type Page } from '@playwright/test';

async function hasFocus(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === el.ownerDocument.activeElement);
}

/**
 * Presses Tab until `target` has focus (none when it is already focused, e.g. by autofocus) and
 * returns how many presses it took; fails when it is not reached within `maxPresses`.
 */
export async function tabTo(page: Page, target: Locator, maxPresses = 20): Promise<number> {
  for (let presses = 0; presses <= maxPresses; presses++) {
    if (await hasFocus(target)) return presses;
    await page.keyboard.press('Tab');
  }
  await expect(target, `not reached with ${maxPresses} presses of Tab`).toBeFocused({ timeout: 1 });
  return maxPresses;
}
