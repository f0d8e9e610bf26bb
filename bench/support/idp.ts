// Starts the real IdP the way `npm start` does: a child process running src/start.js (the compiled
// build when it is current, else the sources; src/main.ts in checkouts older than it) with its own
// data folder, a free port, the matching issuer and LOG_LEVEL=warn (info where a scenario reads
// the request log). Operator settings from this shell never leak into it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpClient } from './http.ts';
import { stopProcess } from './children.ts';
import { rssMb } from './proc-stats.ts';
import { CONFIG_ENV_VARIABLES } from '../../src/config/load.ts';
import { freePort } from '../../src/testing/ports.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');


/** Node 22 runs our .ts sources; under plain `node` (20) fall back to the repository's own 22. */
export function nodeBinary(): string {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 22 ? process.execPath : path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
}

export { freePort };

/** The environment `npm start` would see for this instance. */
export function idpEnv(opts: { port: number; dataDir: string; databaseUrl?: string | undefined; logLevel?: string; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_ENV_VARIABLES) delete env[name];
  return {
    ...env, ...opts.extra, PORT: String(opts.port), ISSUER: `http://localhost:${opts.port}`, DATA_DIR: opts.dataDir, LOG_LEVEL: opts.logLevel ?? 'warn',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
  };
}

export interface IdpProcess {
  pid: number;
  issuer: string;
  dataDir: string;
  /** Milliseconds from spawn() to the first 200 from the discovery document. */
  startupMs: number;
  child: ChildProcess;
  /** Every stdout line so far (the JSON request log at LOG_LEVEL=info). */
  logLines: string[];
  rssMb(): number;
  stop(): Promise<void>;
}

export interface IdpOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  logLevel?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Extra environment for the IdP process only (tuning experiments, e.g. UV_THREADPOOL_SIZE). */
  env?: Record<string, string>;
  /** Another checkout of the repository to run src/main.ts from (bench/compare.ts); default this one. */
  root?: string;
  readyTimeoutMs?: number;
}

// Whatever happens to the benchmark, no IdP it started outlives it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startIdpProcess(opts: IdpOptions): Promise<IdpProcess> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const logLines: string[] = [];
  const stderr: string[] = [];
  const started = performance.now();
  const root = opts.root ?? REPO_ROOT;
  const entry = existsSync(path.join(root, 'src', 'start.js')) ? 'src/start.js' : 'src/main.ts';
  const child = spawn(nodeBinary(), [...(opts.nodeArgs ?? []), entry], {
    cwd: root,
    env: idpEnv({ port, dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, ...(opts.logLevel ? { logLevel: opts.logLevel } : {}), ...(opts.env ? { extra: opts.env } : {}) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) logLines.push(line);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr.push(chunk); });
  const output = () => `${stderr.join('')}${logLines.slice(-20).join('\n')}`;
  const startupMs = await waitForDiscovery(issuer, child, output, started, opts.readyTimeoutMs ?? 30_000);
  const pid = child.pid;
  if (pid === undefined) throw new Error('the IdP process has no pid');
  return {
    pid, issuer, dataDir: opts.dataDir, startupMs, child, logLines,
    rssMb: () => rssMb(pid),
    async stop() {
      await stopProcess(child, 10_000);
      if (child.exitCode !== 0 && child.signalCode !== 'SIGTERM') {
        throw new Error(`the IdP exited with ${child.exitCode ?? child.signalCode}:\n${output()}`);
      }
    },
  };
}

async function waitForDiscovery(issuer: string, child: ChildProcess, output: () => string, started: number, timeoutMs: number): Promise<number> {
  const http = createHttpClient(1);
  try {
    while (performance.now() - started < timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the IdP exited (${child.exitCode ?? child.signalCode}) before it served discovery:\n${output()}`);
      }
      try {
        const res = await http.request(`${issuer}/.well-known/openid-configuration`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    http.close();
  }
  child.kill('SIGKILL');
  throw new Error(`the IdP did not serve discovery within ${timeoutMs} ms:\n${output()}`);
}
