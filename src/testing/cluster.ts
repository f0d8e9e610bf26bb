// Several IdP processes on one database behind a round-robin proxy, for the scale-out tests. Each
// instance is started like `npm start`; all share the keys (JWKS, cookie keys, data key) and issuer.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSigningKeys } from '../config/secrets.ts';
import { freePort, type Backend } from './harness.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface Instance { port: number; child: ChildProcess; served: number }

export interface Cluster {
  issuer: string;
  env: Record<string, string>;
  instances: Instance[];
  /** Which instance served each proxied request, in order. */
  log: number[];
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

async function waitReady(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`instance on ${port} exited:\n${output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance on ${port} never became ready:\n${output()}`);
}

/** A proxy that sends each request to the next live instance; a dead one is skipped. */
function roundRobin(instances: Instance[], log: number[]): http.Server {
  let next = 0;
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number) => {
        const index = next++ % instances.length;
        const target = instances[index]!;
        const upstream = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          target.served++;
          log.push(index);
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.on('error', () => (tries > 1 ? attempt(tries - 1) : (res.writeHead(502), res.end())));
        upstream.end(body);
      };
      attempt(instances.length);
    });
  });
}

export async function startCluster(backend: Backend, count = 3): Promise<Cluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jullix-idp-cluster-'));
  const database = await backend.create();
  const proxyPort = await freePort();
  const issuer = `http://localhost:${proxyPort}`;
  const env: Record<string, string> = {
    ISSUER: issuer, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    JWKS: JSON.stringify(generateSigningKeys()),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
  };
  const instances: Instance[] = [];
  const outputs: string[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, NODE_ENV: 'test', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    outputs[i] = '';
    child.stdout?.on('data', (d: Buffer) => { outputs[i] += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { outputs[i] += d.toString(); });
    instances.push({ port, child, served: 0 });
    // One at a time: the first runs the migrations, the others find them done.
    await waitReady(port, child, () => outputs[i] ?? '');
  }
  const log: number[] = [];
  const proxy = roundRobin(instances, log);
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  const kill = async (index: number, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = instances[index]?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };
  return {
    issuer, env, instances, log, kill,
    async stop() {
      await Promise.all(instances.map((_, i) => kill(i)));
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
