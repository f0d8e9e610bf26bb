// `npm run bench [-- <scenario>...] [--smoke] [--cpu-prof] [--idp-env NAME=VALUE] [--out <dir>]`:
// runs the scenarios one after another, prints one line per figure and writes
// bench/results/<scenario>-<time>.json. BENCH_SMOKE=1 (or --smoke) runs each for about a second
// with tiny counts, three at a time, to prove the scripts still work.
import { mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RESULTS_DIR, formatFigure, machine, writeResult, type Figure, type ScenarioResult } from './support/report.ts';
import { summariseProfile } from './support/profile.ts';
import type { Scenario, ScenarioContext } from './scenarios/context.ts';
import { SCENARIOS } from './scenarios/index.ts';

const HELP = `Usage: npm run bench [-- <scenario>...] [--smoke] [--cpu-prof] [--idp-env NAME=VALUE] [--out <dir>]

Scenarios (all of them when none is named):
${SCENARIOS.map((s) => `  ${s.name.padEnd(20)}${s.summary}`).join('\n')}

  --smoke      about a second per scenario with tiny counts, three at a time (also BENCH_SMOKE=1):
               proves the scripts work; its figures mean nothing
  --cpu-prof   run the IdP under node --cpu-prof and summarise its top self-time functions
  --out <dir>  where the JSON results go (default bench/results)
  --idp-env NAME=VALUE  extra environment for the IdP processes only (repeatable), for tuning
               experiments such as UV_THREADPOOL_SIZE=8; recorded in the JSON settings
DATABASE_URL set: each scenario gets a fresh PostgreSQL database on that server instead of SQLite.`;

interface RunOptions { smoke: boolean; cpuProf: boolean; out: string; idpEnv: Record<string, string> }

async function runScenario(scenario: Scenario, opts: RunOptions): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const figures: Figure[] = [];
  let profileFromUs = 0;
  const profileDir = path.join(opts.out, 'profiles', `${scenario.name}-${startedAt.replace(/[:.]/g, '-')}`);
  if (opts.cpuProf) mkdirSync(profileDir, { recursive: true });
  const ctx: ScenarioContext = {
    smoke: opts.smoke,
    idpOptions: { nodeArgs: opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [], env: opts.idpEnv },
    settings: {},
    raw: {},
    figure(f) {
      figures.push(f);
      console.log(formatFigure(scenario.name, f));
    },
    progress(message) {
      console.error(`  ${scenario.name}: ${message}`);
    },
    measuring() {
      if (profileFromUs === 0) profileFromUs = Number(process.hrtime.bigint() / 1000n);
    },
  };
  const before = machine();
  await scenario.run(ctx);
  if (opts.cpuProf) {
    ctx.raw['cpuProfiles'] = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).map((file) => {
      const summary = summariseProfile(path.join(profileDir, file), 25, profileFromUs);
      const busy = summary.totalMs - summary.idleMs;
      console.log(`[${scenario.name}] CPU profile ${path.join(profileDir, file)}: main thread busy ${busy.toFixed(0)} of ${summary.totalMs.toFixed(0)} ms${profileFromUs ? ' after warm-up' : ''}; top self time (% of busy)`);
      for (const row of summary.top.slice(0, 12)) console.log(`    ${row.selfMs.toFixed(0).padStart(7)} ms ${row.percent.toFixed(1).padStart(5)} %  ${row.name}`);
      console.log('  by area:');
      for (const row of summary.byArea.slice(0, 10)) console.log(`    ${row.selfMs.toFixed(0).padStart(7)} ms ${row.percent.toFixed(1).padStart(5)} %  ${row.name}`);
      return { file: path.join(profileDir, file), ...summary };
    });
  }
  return {
    scenario: scenario.name, smoke: opts.smoke, startedAt, durationMs: Math.round(performance.now() - t0),
    machine: before, loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
    settings: { ...ctx.settings, ...(Object.keys(opts.idpEnv).length > 0 ? { idpEnv: opts.idpEnv } : {}) }, figures, raw: ctx.raw,
  };
}

const SMOKE_PARALLELISM = 3;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      smoke: { type: 'boolean' }, 'cpu-prof': { type: 'boolean' }, out: { type: 'string' },
      'idp-env': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const unknown = positionals.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown scenario ${unknown.join(', ')}\n\n${HELP}`);
    return 2;
  }
  const idpEnv: Record<string, string> = {};
  for (const pair of values['idp-env'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      console.error(`--idp-env wants NAME=VALUE, got "${pair}"`);
      return 2;
    }
    idpEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const smoke = values.smoke === true || /^(1|true|yes)$/i.test(process.env['BENCH_SMOKE'] ?? '');
  const out = path.resolve(values.out ?? process.env['BENCH_RESULTS_DIR'] ?? DEFAULT_RESULTS_DIR);
  const chosen = positionals.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => positionals.includes(s.name));
  const m = machine();
  console.log(`jullix-idp bench${smoke ? ' (smoke)' : ''}: ${m.nproc} × ${m.cpuModel}, Node ${m.node}, ${m.database}, load average ${m.loadAverage.join(' ')}`);
  const t0 = performance.now();
  const failed: string[] = [];
  const queue = [...chosen];
  // A smoke run only proves the scripts work, so its scenarios may share the machine; a real run
  // never does, or they would measure each other.
  const parallel = smoke ? SMOKE_PARALLELISM : 1;
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let scenario = queue.shift(); scenario; scenario = queue.shift()) {
      console.error(`${scenario.name}: ${scenario.summary}`);
      try {
        const result = await runScenario(scenario, { smoke, cpuProf: values['cpu-prof'] === true, out, idpEnv });
        console.error(`  ${scenario.name}: done in ${(result.durationMs / 1000).toFixed(1)} s → ${writeResult(out, result)}`);
      } catch (err) {
        failed.push(scenario.name);
        console.error(`[${scenario.name}] FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      }
    }
  }));
  console.log(`bench finished in ${((performance.now() - t0) / 1000).toFixed(1)} s${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
