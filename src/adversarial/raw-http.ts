// A raw HTTP client for attack tests: any method, an unnormalised path (bad percent-encoding
// included), repeated headers, a body on any method. fetch() would refuse or rewrite most of these.
import http from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent as-is after the host: `/auth?x=%zz`. Only characters HTTP allows on the request line. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number }

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Sends one request; rejects when no answer arrives within `timeoutMs` (a hang). */
export function rawRequest(base: string, req: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const outgoing = http.request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms: ${req.method} ${req.path.slice(0, 120)}`)));
    outgoing.on('error', reject);
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });
}

/** Ends the keep-alive sockets so the test process can exit. */
export function closeRawClient(): void {
  agent.destroy();
}

/** Signs of an internal error leaking out: stack frames, source paths, error class names. */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\n\s+at\s/, /\bat [\w$.<>]+ \(/, /node_modules/, /\.ts:\d+/, /\.js:\d+:\d+/, /\b\w*Error: /, /file:\/\//, /\/work\/|\/home\/|\/tmp\//,
  /SQLITE_|knex|\bpg\b.*(relation|column)/i,
];

export function leaks(body: string): RegExp | undefined {
  return LEAK_PATTERNS.find((p) => p.test(body));
}
