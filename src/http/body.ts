// Reading a request body with a size limit, for our pages' forms and the POST endpoints, and the
// answer to one over it, the same for our pages, the provider's endpoints and post-as-get.
import type { IncomingMessage } from 'node:http';

/**
 * The body, or undefined when it is over `limit` bytes: at once when its Content-Length says so,
 * else once that many have arrived. Either way the rest is discarded, never kept: it stops
 * listening instead of destroying the request (leaving a `for await` loop early would), so Node
 * reads the rest away and the 413 answer still reaches the client on a connection that stays usable.
 */
export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (finish: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      finish();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else done(() => { req.resume(); resolve(undefined); });
    };
    const onEnd = () => done(() => resolve(Buffer.concat(chunks)));
    const onError = (err: Error) => done(() => reject(err));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * The JSON answer (with status 413, RFC 9110 §15.5.14) to a body over `limit` bytes, as an OAuth
 * error (RFC 6749 §5.2): a client library reads `error` whichever endpoint it called.
 */
export function oversizeBody(limit: number, hint?: string): { error: 'invalid_request'; error_description: string } {
  return { error: 'invalid_request', error_description: `the request body is larger than ${limit} bytes${hint ? `; ${hint}` : ''}` };
}
