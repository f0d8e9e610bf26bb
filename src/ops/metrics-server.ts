// The metrics listener: GET /metrics on its own port (default host 127.0.0.1), apart from the public
// one, so a reverse proxy that forwards the IdP never exposes it; a bearer token may be required too.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { IdpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from './metrics.ts';
import { closeServer } from './health.ts';

export interface MetricsListenOptions {
  host: string;
  port: number;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

export interface MetricsListener {
  server: Server;
  url: string;
  close(graceMs?: number): Promise<void>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Whether an Authorization header carries the token; compared in constant time (hashes of equal length). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function handler(metrics: Metrics, opts: MetricsListenOptions, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let path = '';
    try {
      path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname;
    } catch {
      // An unparsable request target is simply not /metrics.
    }
    if (path !== '/metrics') return send(res, 404, 'Not found: metrics are served at /metrics.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.\n', { allow: 'GET, HEAD' });
    if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
      logger.info('metrics scrape refused', { reason: req.headers.authorization ? 'wrong_token' : 'no_token', ip: req.socket.remoteAddress });
      return send(res, 401, 'Unauthorized: send Authorization: Bearer <METRICS_TOKEN>.\n', { 'www-authenticate': 'Bearer realm="metrics"' });
    }
    try {
      const body = await metrics.registry.metrics();
      send(res, 200, req.method === 'HEAD' ? '' : body, { 'content-type': metrics.registry.contentType });
    } catch (err) {
      logger.error('metrics scrape failed', { error: err instanceof Error ? err : String(err) });
      send(res, 500, 'Metrics unavailable.\n');
    }
  };
}

/** Starts the listener; a port in use or an address this machine does not have is an IdpError saying what to set. */
export async function listenMetrics(metrics: Metrics, opts: MetricsListenOptions, logger: Logger): Promise<MetricsListener> {
  const serve = handler(metrics, opts, logger);
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, opts)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  logger.info('metrics listening', { url: `http://${host}:${port}/metrics`, bearer: opts.token !== undefined });
  if (opts.token === undefined && !isLoopback(opts.host)) {
    logger.warn('metrics are served without a token on a non-loopback address: set METRICS_TOKEN or firewall the port', { host: opts.host });
  }
  return {
    server,
    url: `http://${host}:${port}/metrics`,
    close: (graceMs = 2_000) => closeServer(server, graceMs),
  };
}

function listenError(err: NodeJS.ErrnoException, opts: MetricsListenOptions): Error {
  const where = `${opts.host}:${opts.port}`;
  if (err.code === 'EADDRINUSE') return new IdpError('config_invalid', `Metrics port ${opts.port} is already in use (${where}): stop the other process or set METRICS_PORT`, { expose: true });
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new IdpError('config_invalid', `Cannot listen for metrics on ${where}: this machine has no such address; set METRICS_HOST (default 127.0.0.1)`, { expose: true });
  }
  if (err.code === 'EACCES') return new IdpError('config_invalid', `Not allowed to listen for metrics on ${where}: pick a METRICS_PORT above 1023`, { expose: true });
  return err;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
