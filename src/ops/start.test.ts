// `npm start` (src/start.js) and `npx jullix-idp` (src/cli.js) run the compiled build when it was
// built from the sources on disk and the sources when not: the build must serve like the sources
// (it reads config/, the assets and migrations from the project, not from dist/), and an edit
// after the build must never be served stale.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CONFIG_ENV_VARIABLES } from '../config/load.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { freePort } from '../testing/ports.ts';

let dataDir = '';

before(async () => {
  // What `npm install` does (package.json "prepare"), so the test holds on a checkout with edits.
  const build = spawnSync(process.execPath, ['src/build/build.js'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-start-'));
});
after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** What the package's bin answers to --version, and a command that reads the database. */
function cli(): { version: string; users: string } {
  const run = (args: string[]) => {
    const out = spawnSync(process.execPath, ['src/cli.js', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' });
    assert.equal(out.status, 0, `jullix-idp ${args.join(' ')} failed:\n${out.stdout}${out.stderr}`);
    return out.stdout;
  };
  return { version: run(['--version']), users: run(['user', 'list', '--json']) };
}

interface Started { banner: string; discovery: unknown; css: { status: number; type: string | null; length: number } }

/** Runs `npm start`'s command until it serves discovery and its stylesheet, then stops it with SIGTERM. */
async function npmStart(): Promise<Started> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_ENV_VARIABLES) delete env[name];
  const child = spawn(process.execPath, ['src/start.js'], {
    cwd: PROJECT_ROOT, env: { ...env, PORT: String(port), ISSUER: issuer, DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 200 && !output.includes('discovery:'); i++) {
      if (child.exitCode !== null) assert.fail(`npm start exited with ${child.exitCode}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const discovery: unknown = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    const res = await fetch(`${issuer}/assets/style.css`);
    const css = { status: res.status, type: res.headers.get('content-type'), length: (await res.arrayBuffer()).byteLength };
    return { banner: output, discovery, css };
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `npm start did not stop cleanly:\n${output}`);
  }
}

test('npm start runs the compiled build when it is current, and it serves like the sources', async () => {
  const started = await npmStart();
  assert.match(started.banner, /code: +compiled build \(dist\/\)/);
  assert.equal((started.discovery as { issuer?: unknown }).issuer, started.banner.match(/issuer: +(\S+)/)?.[1]);
  assert.equal(started.css.status, 200);
  assert.equal(started.css.type, 'text/css; charset=utf-8');
  assert.ok(started.css.length > 1000, `the stylesheet is ${started.css.length} bytes`);
  const built = cli();
  assert.match(built.version, /^jullix-idp \d+\.\d+\.\d+ \(Node v22\.[\d.]+, compiled build \(dist\/\)\)$/m);
  assert.deepEqual(JSON.parse(built.users), [], 'the built CLI reads the database the server migrated');
});

test('a source changed after the build is run from the sources, never from the stale build', async () => {
  // A new source file changes what the build would be made from, as an edit to any file would;
  // its content is all the digest sees, not its time, so a copy that kept old times is caught too.
  const probe = path.join(PROJECT_ROOT, 'src', 'ops', `start-probe-${process.pid}.ts`);
  await writeFile(probe, 'export {};\n');
  try {
    const started = await npmStart();
    assert.match(started.banner, /code: +TypeScript sources/);
    assert.equal(started.css.status, 200);
    assert.match(cli().version, /, TypeScript sources\)$/m);
  } finally {
    await rm(probe, { force: true });
  }
  assert.match((await npmStart()).banner, /code: +compiled build/, 'with the sources as built again, the build runs again');
  assert.match(cli().version, /compiled build/);
});
