// Clicking something that leaves the page. A page that looks like the next one (the sign-in form
// again after a failed attempt, the app's home again after a silent sign-in) must not be mistaken
// for it, so we wait until the main frame has committed a new document. Redirects (the IdP always
// answers with 303s) do not commit; the event fires for the page the chain ends on.
import type { Locator, Page } from '@playwright/test';

export async function clickAndWaitForNewPage(page: Page, target: Locator): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await target.click();
  await navigated;
}

/** The same for a key press (Enter in a form field, Enter or Space on a focused button). */
export async function pressAndWaitForNewPage(page: Page, key: string): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await page.keyboard.press(key);
  await navigated;
}
