// A lean HTTP/1.1 client for the load processes: node:http with keep-alive, loopback targets only
// (the benchmark must never load anything but this machine), bodies read whole into strings.
import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** Refuses any URL that is not http:// on a loopback host. */
export function assertLoopback(url: URL): void {
  if (url.protocol !== 'http:' || !LOOPBACK.test(url.hostname)) {
    throw new Error(`refusing to send load to ${url.origin}: the benchmark only targets loopback addresses`);
  }
}

/** A keep-alive client; `maxSockets` bounds the open connections (one per concurrent worker). */
export function createHttpClient(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    request(target: string | URL, req: HttpRequest = {}): Promise<HttpResponse> {
      const url = typeof target === 'string' ? new URL(target) : target;
      assertLoopback(url);
      // `localhost` may resolve to ::1 first; the IdP listens on both, 127.0.0.1 skips the lookup.
      const hostname = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
      const headers: Record<string, string> = { host: url.host, ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      return new Promise((resolve, reject) => {
        const r = http.request({ agent, hostname, port: url.port, path: url.pathname + url.search, method: req.method ?? 'GET', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        r.on('error', reject);
        r.end(req.body);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export function basicAuth(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}
