// A real IdP for end-to-end tests, started the way `npm start` starts it: a child process running
// src/start.js (the compiled build when it is current) from the repository root, with its own
// data folder, a free port and LOG_LEVEL=warn.
// Users and clients are created through the admin CLI against the same data folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test as base } from '@playwright/test';
import { addClient, addUser, type ClientCredentials, type NewClient, type NewUser, type Role } from './cli.ts';
import { nodeBinary, REPO_ROOT } from './node.ts';
import { freePort } from './ports.ts';
import { CONFIG_ENV_VARIABLES } from '../../src/config/load.ts';

export interface E2eIdp {
  issuer: string;
  dataDir: string;
  /** Creates a user with a random password through `jullix-idp user add`. */
  createUser(opts?: { role?: Role; username?: string; name?: string }): Promise<NewUser>;
  /** Registers a client through `jullix-idp client add --json`. */
  createClient(client: NewClient): Promise<ClientCredentials>;
  /** What the IdP printed so far (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

// Settings an operator may have exported in this shell must not leak into the test IdP.
function idpEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_ENV_VARIABLES) delete env[name];
  return { ...env, PORT: String(port), ISSUER: `http://localhost:${port}`, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
}

async function waitForDiscovery(issuer: string, child: ChildProcess, output: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the IdP exited (${child.exitCode ?? child.signalCode}) before it answered discovery:\n${output()}`);
    }
    try {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (res.ok) {
        const doc = await res.json() as { issuer?: unknown };
        if (doc.issuer === issuer) return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the IdP did not answer discovery at ${issuer} within ${timeoutMs} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startIdpProcess(): Promise<E2eIdp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-e2e-'));
  const port = await freePort();
  const env = idpEnv(port, dataDir);
  const issuer = `http://localhost:${port}`;
  const child = spawn(nodeBinary(), ['src/start.js'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (chunk: string) => { log = (log + chunk).slice(-20_000); };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  // If the worker dies without teardown, do not leave an IdP listening behind it.
  const killOnExit = () => { child.kill('SIGKILL'); };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForDiscovery(issuer, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    issuer,
    dataDir,
    async createUser(opts = {}) {
      const username = opts.username ?? `${opts.role ?? 'customer'}-${randomBytes(4).toString('hex')}`;
      const user: NewUser = {
        username,
        password: `pw-${randomBytes(12).toString('base64url')}`,
        email: `${randomBytes(6).toString('hex')}@example.test`,
        name: opts.name ?? `E2E ${username}`,
        role: opts.role ?? 'customer',
      };
      await addUser(env, user);
      return user;
    },
    createClient: (client) => addClient(env, client),
    output: () => log,
    stop,
  };
}

/** The worker-scoped `idp` fixture: one IdP per Playwright worker, stopped when the worker ends. */
export const test = base.extend<object, { idp: E2eIdp }>({
  idp: [async ({}, use) => {
    const idp = await startIdpProcess();
    try {
      await use(idp);
    } finally {
      await idp.stop();
    }
  }, { scope: 'worker', timeout: 60_000 }],
});
