// Label values for the Prometheus metrics, each from a closed set. A label value that came from a
// request (a path with an interaction uid, a client id, a username) would leak personal data into
// the monitoring system and let any caller grow the number of series without limit.
import type { AuditRecord } from '../audit/log.ts';

/**
 * Every route the IdP serves, relative to the issuer's path. `:uid`, `:client` and `:file` stand
 * for one path segment; anything else is counted as `other`.
 */
export const ROUTE_TEMPLATES = [
  '/auth', '/auth/:uid', '/token', '/token/introspection', '/token/revocation', '/me', '/jwks', '/request',
  '/reg', '/reg/:client', '/session/end', '/session/end/confirm', '/session/end/success',
  '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
  '/interaction/:uid', '/interaction/:uid/login', '/interaction/:uid/totp', '/interaction/:uid/enrol',
  '/interaction/:uid/continue', '/interaction/:uid/consent', '/interaction/:uid/abort',
  '/account', '/account/callback', '/account/2fa/enable', '/account/2fa/enrol', '/account/2fa/disable',
  '/account/recovery-codes', '/account/password', '/account/apps/revoke',
  '/health/live', '/health/ready', '/assets/:file', '/lang',
] as const;

const COMPILED = ROUTE_TEMPLATES.map((template) => ({ template, segments: template.split('/').slice(1) }));

/** The route template for a request path, or `other`; never the path itself. */
export function routeOf(path: string, basePath: string): string {
  if (basePath !== '' && path !== basePath && !path.startsWith(`${basePath}/`)) return 'other';
  let rest = path.slice(basePath.length);
  if (rest.length > 1 && rest.endsWith('/')) rest = rest.slice(0, -1);
  const segments = rest.split('/').slice(1);
  const found = COMPILED.find((r) => r.segments.length === segments.length
    && r.segments.every((s, i) => (s.startsWith(':') ? segments[i] !== '' : s === segments[i])));
  return found?.template ?? 'other';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

export function methodOf(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

/** 2xx, 3xx, ...: enough to alert on errors without one series per status code. */
export function statusClassOf(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/** Grant types the token endpoint may report; a client can send any string, so others are `other`. */
const GRANT_TYPES = new Set([
  'authorization_code', 'refresh_token', 'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:openid:params:grant-type:ciba',
]);

export function grantTypeOf(value: unknown): string {
  return typeof value === 'string' && GRANT_TYPES.has(value) ? value : 'other';
}

/** OAuth 2.0 token error codes (RFC 6749 5.2, RFC 9449 for DPoP); a rejected request still gets one. */
const TOKEN_ERRORS = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type',
  'invalid_scope', 'invalid_target', 'invalid_dpop_proof', 'use_dpop_nonce', 'server_error',
]);

export function tokenErrorOf(value: unknown): string {
  return typeof value === 'string' && TOKEN_ERRORS.has(value) ? value : 'other';
}

export type SignInOutcome = 'success' | 'failure' | 'throttled';
export type SignInFactor = 'password' | 'totp' | 'recovery_code' | 'enrolment';

/** What one audit event adds to the metrics beyond `audit_events_total`. */
export interface AuditCounts {
  signIn?: { outcome: SignInOutcome; factor: SignInFactor };
  throttledStep?: string;
  totpEnrolledVia?: 'sign_in' | 'account';
  completedAcr?: string;
}

/** The throttled step, as named in the audit detail (`enrol`, `account-confirm`), in label form. */
const THROTTLED_STEPS: Record<string, { step: string; factor?: SignInFactor }> = {
  password: { step: 'password', factor: 'password' },
  totp: { step: 'totp', factor: 'totp' },
  enrol: { step: 'enrolment', factor: 'enrolment' },
  // The account page's password re-confirmation: throttled like a sign-in, but no sign-in itself.
  'account-confirm': { step: 'account_confirm' },
};

/** Maps an audit event (see interactions/*.ts) to the counters it moves. Reads only closed-set details. */
export function countsForAudit(entry: Pick<AuditRecord, 'event' | 'detail'>): AuditCounts {
  const detail = entry.detail ?? {};
  switch (entry.event) {
    case 'login.password.success': return { signIn: { outcome: 'success', factor: 'password' } };
    case 'login.password.failure': return { signIn: { outcome: 'failure', factor: 'password' } };
    case 'totp.success': return { signIn: { outcome: 'success', factor: 'totp' } };
    // A wrong recovery code is recorded as a TOTP failure: both are typed into the same field.
    case 'totp.failure': return { signIn: { outcome: 'failure', factor: detail.reason === 'enrol_mismatch' ? 'enrolment' : 'totp' } };
    case 'recovery_code.used': return { signIn: { outcome: 'success', factor: 'recovery_code' } };
    case 'totp.enrolled':
      return detail.via === 'account' ? { totpEnrolledVia: 'account' } : { totpEnrolledVia: 'sign_in', signIn: { outcome: 'success', factor: 'enrolment' } };
    case 'login.throttled': {
      const known = typeof detail.step === 'string' && Object.hasOwn(THROTTLED_STEPS, detail.step) ? THROTTLED_STEPS[detail.step] : undefined;
      if (!known) return { throttledStep: 'other' };
      return known.factor ? { throttledStep: known.step, signIn: { outcome: 'throttled', factor: known.factor } } : { throttledStep: known.step };
    }
    case 'login.success': return { completedAcr: detail.acr === 'aal1' || detail.acr === 'aal2' ? detail.acr : 'other' };
    default: return {};
  }
}

/** The combinations that can occur, so each series exists (at 0) from the first scrape on. */
export const SIGN_IN_SERIES: ReadonlyArray<{ outcome: SignInOutcome; factor: SignInFactor }> = [
  { outcome: 'success', factor: 'password' }, { outcome: 'failure', factor: 'password' }, { outcome: 'throttled', factor: 'password' },
  { outcome: 'success', factor: 'totp' }, { outcome: 'failure', factor: 'totp' }, { outcome: 'throttled', factor: 'totp' },
  { outcome: 'success', factor: 'recovery_code' },
  { outcome: 'success', factor: 'enrolment' }, { outcome: 'failure', factor: 'enrolment' }, { outcome: 'throttled', factor: 'enrolment' },
];
export const THROTTLED_STEP_VALUES: readonly string[] = Object.values(THROTTLED_STEPS).map((s) => s.step);
