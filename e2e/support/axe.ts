// axe-core in the page, through @axe-core/playwright, with the rule set of issue 11: WCAG 2.0 and
// 2.1 level A and AA, and the rules new in WCAG 2.2 AA (target size, …).
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeReport {
  /** One readable line per violated rule: id, impact, what it means, where, and why. */
  violations: string[];
  /** Rules axe could not decide alone ("needs review"), by id. */
  incomplete: string[];
  /** How many rules of the set applied to the page (passed or failed). */
  applicable: number;
  engine: string;
}

export async function runAxe(page: Page): Promise<AxeReport> {
  // Our pages have no frames, so axe.run in the page itself is enough: the default mode opens a blank
  // page per run to merge the frames' results, which doubles the time of every check.
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).setLegacyMode(true).analyze();
  return {
    violations: results.violations.map((v) => {
      const nodes = v.nodes.map((n) => `${n.target.map(String).join(' > ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ')}]` : ''}`);
      return `${v.id} (${v.impact ?? 'unknown'}): ${v.help} at ${nodes.join('; ')}`;
    }),
    incomplete: results.incomplete.map((r) => r.id),
    applicable: results.passes.length + results.violations.length,
    engine: results.testEngine.version,
  };
}
