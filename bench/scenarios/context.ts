// What every scenario gets from the runner: the mode (full or smoke), a way to report figures and
// raw data, progress output, and where CPU profiles of the IdP go when they are asked for.
import type { Figure } from '../support/report.ts';

export interface ScenarioContext {
  smoke: boolean;
  /** For every IdP process this scenario starts: node flags (--cpu-prof) and extra environment. */
  idpOptions: { nodeArgs: string[]; env: Record<string, string> };
  settings: Record<string, unknown>;
  raw: Record<string, unknown>;
  figure(f: Figure): void;
  progress(message: string): void;
  /** Marks the end of start-up and warm-up: CPU profiles are summarised from here on. */
  measuring(): void;
}

export interface Scenario {
  name: string;
  summary: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** Picks the full-run or smoke-run value of a setting and records it. */
export function setting<T>(ctx: ScenarioContext, name: string, full: T, smoke: T): T {
  const value = ctx.smoke ? smoke : full;
  ctx.settings[name] = value;
  return value;
}

export const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
