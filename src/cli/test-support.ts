// Runs the real jullix-idp command as a child process, as an operator would, against a throw-away
// DATA_DIR. The environment is built from scratch so a DATABASE_URL in the caller's never leaks in.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { openDatabase } from '../db/connection.ts';
import { startIdp, type RunningIdp } from '../server.ts';
import { freePort } from '../testing/ports.ts';

export const CLI_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed (closed at once when absent). */
  stdin?: string | Uint8Array;
  /** Added to the base environment (PATH, HOME, DATA_DIR, LOG_LEVEL=silent). */
  env?: Record<string, string>;
  /** The child's working directory (a relative DATA_DIR is taken from it); the test's own when absent. */
  cwd?: string;
}

export function runCli(dataDir: string, args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? os.tmpdir(),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...opts.env,
  };
  return new Promise((resolve, reject) => {
    // process.execPath: the Node 22 running the tests, whatever `node` on PATH is.
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Parses stdout as JSON, failing with the whole output when it is not. */
export function jsonOf<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${String(result.code)}):\n${result.stdout}\n--- stderr:\n${result.stderr}`);
  }
}

export async function tempDataDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Passes when the child reported its error as text, not as a Node stack trace. */
export function hasNoStackTrace(result: CliResult): boolean {
  return !/^\s+at .+:\d+:\d+\)?$/m.test(result.stderr) && !result.stderr.includes('node:internal');
}

export { freePort };

/** A second connection to the CLI's SQLite file under `dataDir`, to check what a command stored. */
export async function withDatabase<T>(dataDir: string, work: (db: Knex) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** The IdP as `npm start` runs it, in this process, on a free port and the CLI's `dataDir`. */
export async function startIdpIn(dataDir: string): Promise<RunningIdp> {
  const port = await freePort();
  return startIdp({ env: { PORT: String(port), ISSUER: `http://localhost:${port}`, DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
}
