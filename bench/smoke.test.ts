// Runs every benchmark scenario in smoke mode (about a second each, tiny counts) so the scripts
// cannot rot: fails when any scenario fails or reports a figure that is not a finite number.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScenarioResult } from './support/report.ts';
import { SCENARIOS } from './scenarios/index.ts';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

test('every benchmark scenario runs in smoke mode', { timeout: 120_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'jullix-bench-smoke-'));
  try {
    const child = spawn(process.execPath, [RUN, '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { output += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { output += c; });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, `bench --smoke failed:\n${output}`);

    const files = (await readdir(out)).filter((f) => f.endsWith('.json'));
    for (const scenario of SCENARIOS) {
      const file = files.find((f) => f.startsWith(`${scenario.name}-`));
      assert.ok(file, `no result file for ${scenario.name}:\n${output}`);
      const result = JSON.parse(await readFile(path.join(out, file), 'utf8')) as ScenarioResult;
      assert.equal(result.smoke, true);
      assert.ok(result.figures.length > 0, `${scenario.name} reported no figures`);
      for (const f of result.figures) assert.ok(Number.isFinite(f.value), `${scenario.name}: "${f.name}" is ${f.value}`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
