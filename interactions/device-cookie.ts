// The "known device" cookie: set after a complete sign-in, signed with the cookie keys. It gives
// that browser its own password-failure budget for that account (see src/sign-in/throttle-buckets.ts).
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

const NAME = 'jullix_device';
const ONE_YEAR_MS = 365 * 86400 * 1000;

/** The device id, when this browser holds a valid cookie for `userId`. */
export function trustedDeviceFor(ctx: Context, userId: string | undefined): string | undefined {
  if (!userId) return undefined;
  const value = ctx.cookies.get(NAME, { signed: true });
  const [owner, deviceId] = (value ?? '').split('.');
  return owner === userId && deviceId ? deviceId : undefined;
}

export function rememberDevice(ctx: Context, userId: string, basePath: string): void {
  const deviceId = trustedDeviceFor(ctx, userId) ?? randomBytes(16).toString('base64url');
  ctx.cookies.set(NAME, `${userId}.${deviceId}`, {
    // The whole issuer: the sign-in pages and the account page (its confirm step) both read it. A
    // review found the account page's budget never applied in a real browser at /interaction only.
    signed: true, httpOnly: true, sameSite: 'lax', maxAge: ONE_YEAR_MS, path: basePath === '' ? '/' : basePath, overwrite: true,
  });
}
