// Figures: one printed line each, and one JSON file per scenario in bench/results/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Target {
  /** Which value the target is about: the ratio to the reference, or the value itself. */
  on: 'ratio' | 'value';
  op: '>=' | '<' | '<=';
  limit: number;
  text: string;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  reference?: { name: string; value: number; unit: string };
  ratio?: number;
  target?: Target;
  met?: boolean;
  note?: string;
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  database: 'sqlite' | 'postgresql';
  loadAverage: number[];
}

export function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    node: process.version,
    database: process.env['DATABASE_URL'] ? 'postgresql' : 'sqlite',
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Builds a figure and decides whether its target is met. */
export function figure(f: Omit<Figure, 'met' | 'ratio'> & { ratio?: number }): Figure {
  const ratio = f.ratio ?? (f.reference ? f.value / f.reference.value : undefined);
  const out: Figure = { ...f, ...(ratio !== undefined ? { ratio } : {}) };
  if (f.target) {
    const subject = f.target.on === 'ratio' ? ratio : f.value;
    if (subject !== undefined && Number.isFinite(subject)) {
      const { op, limit } = f.target;
      out.met = op === '>=' ? subject >= limit : op === '<' ? subject < limit : subject <= limit;
    } else {
      out.met = false;
    }
  }
  return out;
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function formatFigure(scenario: string, f: Figure): string {
  let line = `[${scenario}] ${f.name}: ${num(f.value)} ${f.unit}`;
  if (f.reference) line += ` | ${f.reference.name}: ${num(f.reference.value)} ${f.reference.unit}`;
  if (f.ratio !== undefined) line += ` | ratio ${(f.ratio * 100).toFixed(1)} %`;
  if (f.target) line += ` | target ${f.target.text}: ${f.met ? 'MET' : 'NOT MET'}`;
  if (f.note) line += ` (${f.note})`;
  return line;
}

export interface ScenarioResult {
  scenario: string;
  smoke: boolean;
  startedAt: string;
  durationMs: number;
  machine: Machine;
  loadAverageAfter: number[];
  settings: Record<string, unknown>;
  figures: Figure[];
  raw: Record<string, unknown>;
}

export const DEFAULT_RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function writeResult(dir: string, result: ScenarioResult): string {
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const file = path.join(dir, `${result.scenario}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
