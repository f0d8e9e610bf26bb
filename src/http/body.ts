// Reading a request body with a size limit, for our pages' forms and the POST endpoints.
import type { IncomingMessage } from 'node:http';

/**
 * The body, or undefined once it passes `limit` bytes. It stops listening instead of destroying the
 * request (leaving a `for await` loop early would): Node discards the rest and the 413 page still
 * reaches the browser on a connection that stays usable.
 */
export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
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
