// Checks every interaction POST runs before it does anything.
import { IdpError } from '../src/errors.ts';
import { csrfValid } from './csrf.ts';
import type { InteractionDeps } from './deps.ts';

export function requireCsrf(deps: InteractionDeps, bindTo: string, form: URLSearchParams): void {
  if (!csrfValid(deps.cookieKeys, bindTo, form.get('csrf'))) throw new IdpError('csrf_failed', 'CSRF token missing or invalid');
}
