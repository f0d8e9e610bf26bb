// CSRF tokens for our forms: an HMAC of the interaction (or session) id under the cookie key, so a
// page on another site cannot produce one. Checked on every POST we handle.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function csrfToken(keys: readonly string[], bindTo: string): string {
  const key = keys[0];
  if (key === undefined) throw new Error('no cookie key configured');
  return createHmac('sha256', key).update(`csrf:${bindTo}`).digest('base64url');
}

export function csrfValid(keys: readonly string[], bindTo: string, presented: string | null | undefined): boolean {
  if (!presented) return false;
  const given = Buffer.from(presented);
  // Every configured key verifies, so rotating cookie keys does not break open forms.
  return keys.some((key) => {
    const expected = Buffer.from(createHmac('sha256', key).update(`csrf:${bindTo}`).digest('base64url'));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
