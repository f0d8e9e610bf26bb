// Several IdP processes on one database behind a round-robin proxy, for the scale-out tests. Each
// instance is started like `npm start`; all share the keys (JWKS, cookie keys, data key) and issuer.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSigningKeys } from '../provider/keys.ts';
import { freePort, type Backend } from './harness.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
/** Timed-out health checks in a row that take an instance out (HAProxy's `fall`). */
const FALL = 3;
/** How often the proxy asks each instance's /health/ready, like a balancer's check interval. */
const CHECK_INTERVAL_MS = 100;

/** One process on a port; a restart puts a new Instance (next generation) on the same port. */
export interface Instance { port: number; child: ChildProcess; generation: number; served: number; up: boolean }

export interface ProxyStats {
  /** Requests sent to another instance because the connection was refused (nothing was sent). */
  redispatched: number;
  /** Requests the proxy itself answered 502/503: an instance failed them or none was up. */
  failed: number;
  /** Status of every answer an instance gave, by status code. */
  statuses: Map<number, number>;
}

export interface Restart { exitCode: number | null; signal: NodeJS.Signals | null; stopMs: number; startMs: number }

export interface Cluster {
  issuer: string;
  env: Record<string, string>;
  instances: Instance[];
  /** Which instance served each proxied request, in order. */
  log: number[];
  proxy: ProxyStats;
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /**
   * SIGTERM (or `signal`: SIGKILL is a crash), wait for the exit, start a new process on the same
   * port, wait until it is ready.
   */
  restart(index: number, signal?: NodeJS.Signals): Promise<Restart>;
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

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);
const endToEnd = (headers: http.IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k)));

/**
 * A balancer like HAProxy with health checks and `option redispatch`: each request goes to the next
 * instance that is up (keep-alive connections, as a real balancer keeps); a refused connection,
 * where nothing was sent, marks that instance down and goes to the next; /health/ready answering
 * 200 marks it up again. A request that may have reached an instance is never sent again.
 */
function balancer(instances: Instance[], log: number[], stats: ProxyStats) {
  const agent = new http.Agent({ keepAlive: true });
  let next = 0;
  // A slow answer is not a dead instance: like HAProxy's `fall 3`, only three timed-out checks in a
  // row take it out (a busy machine delays every instance's check at once). An answer other than 200
  // (readiness 503 while draining) or a refused connection takes it out at once.
  const slowChecks = new WeakMap<Instance, number>();
  const checking = new WeakSet<Instance>();
  const check = (target: Instance) => {
    // One check at a time per instance, as a balancer does: a slow one is not stacked with more.
    if (checking.has(target)) return;
    checking.add(target);
    http.get({ host: '127.0.0.1', port: target.port, path: '/health/ready', agent: false, timeout: 1000 }, (res) => {
      slowChecks.set(target, 0);
      target.up = res.statusCode === 200;
      res.resume();
    }).on('error', (err: NodeJS.ErrnoException) => {
      const slow = err.code === 'ECONNRESET' ? (slowChecks.get(target) ?? 0) + 1 : FALL;
      slowChecks.set(target, slow);
      if (slow >= FALL) target.up = false;
    }).on('timeout', function (this: http.ClientRequest) { this.destroy(); }).on('close', () => checking.delete(target));
  };
  const checks = setInterval(() => instances.forEach(check), CHECK_INTERVAL_MS);
  const fail = (res: http.ServerResponse, status: number) => {
    stats.failed++;
    if (!res.headersSent) res.writeHead(status);
    res.end();
  };
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tried: Set<number>) => {
    const candidates = instances.map((_, i) => (next + i) % instances.length).filter((i) => instances[i]!.up && !tried.has(i));
    const index = candidates[0];
    if (index === undefined) return fail(res, 503);
    next = index + 1;
    tried.add(index);
    const target = instances[index]!;
    let sent = false;
    const upstream = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: endToEnd(req.headers), agent }, (up) => {
      target.served++;
      log.push(index);
      stats.statuses.set(up.statusCode ?? 0, (stats.statuses.get(up.statusCode ?? 0) ?? 0) + 1);
      res.writeHead(up.statusCode ?? 502, endToEnd(up.headers));
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    // A reused keep-alive socket is already connected: anything that fails on it may have been received.
    upstream.on('socket', (socket) => (socket.connecting ? socket.once('connect', () => { sent = true; }) : (sent = true)));
    upstream.on('error', () => {
      if (sent) return fail(res, 502);
      target.up = false;
      stats.redispatched++;
      forward(req, res, body, tried);
    });
    upstream.end(body);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), new Set()));
  });
  return { server, stopChecks: () => { clearInterval(checks); agent.destroy(); } };
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
  const launch = async (index: number, port: number, generation: number) => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, NODE_ENV: 'test', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    outputs[index] = '';
    child.stdout?.on('data', (d: Buffer) => { outputs[index] += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { outputs[index] += d.toString(); });
    // Down until the proxy's own health check finds it ready.
    instances[index] = { port, child, generation, served: 0, up: generation === 0 };
    await waitReady(port, child, () => outputs[index] ?? '');
  };
  // One at a time: the first runs the migrations, the others find them done.
  for (let i = 0; i < count; i++) await launch(i, await freePort(), 0);
  const log: number[] = [];
  const stats: ProxyStats = { redispatched: 0, failed: 0, statuses: new Map() };
  const proxy = balancer(instances, log, stats);
  await new Promise<void>((resolve) => proxy.server.listen(proxyPort, '127.0.0.1', resolve));
  const kill = async (index: number, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = instances[index]?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };
  return {
    issuer, env, instances, log, kill, proxy: stats,
    async restart(index, signal = 'SIGTERM') {
      const old = instances[index];
      if (!old) throw new Error(`no instance ${index}`);
      const began = performance.now();
      const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => old.child.once('exit', (exitCode, sig) => resolve({ exitCode, signal: sig })));
      old.child.kill(signal);
      const result = await exited;
      const stopMs = performance.now() - began;
      await launch(index, old.port, old.generation + 1);
      return { ...result, stopMs, startMs: performance.now() - began - stopMs };
    },
    async stop() {
      proxy.stopChecks();
      await Promise.all(instances.map((_, i) => kill(i)));
      const closed = new Promise<void>((resolve) => proxy.server.close(() => resolve()));
      proxy.server.closeAllConnections();
      await closed;
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
