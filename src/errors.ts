// One error type for the whole IdP: a closed set of codes, an HTTP status, and whether the
// message may be shown to the person. The log gets `detail`; the page gets the catalogue text.

export type IdpErrorCode =
  | 'config_invalid'
  | 'bad_request'
  | 'body_too_large'
  | 'csrf_failed'
  | 'invalid_credentials'
  | 'invalid_code'
  | 'code_reused'
  | 'throttled'
  | 'interaction_expired'
  | 'wrong_step'
  | 'signed_out'
  | 'not_found'
  | 'conflict'
  | 'decrypt_failed'
  | 'database_unavailable'
  | 'database_missing'
  | 'migrations_pending'
  | 'internal';

const STATUS: Record<IdpErrorCode, number> = {
  config_invalid: 500,
  bad_request: 400,
  body_too_large: 413,
  csrf_failed: 403,
  invalid_credentials: 401,
  invalid_code: 401,
  code_reused: 401,
  throttled: 429,
  interaction_expired: 400,
  wrong_step: 409,
  /** The account was signed out (a reset, a disable, "sign out everywhere else") while this sign-in was under way. */
  signed_out: 409,
  not_found: 404,
  conflict: 409,
  decrypt_failed: 500,
  database_unavailable: 503,
  database_missing: 503,
  migrations_pending: 503,
  internal: 500,
};

export class IdpError extends Error {
  readonly code: IdpErrorCode;
  readonly status: number;
  /** True when `message` is safe to show to the person (it never holds a secret). */
  readonly expose: boolean;
  /** Internal detail for the log only. */
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: IdpErrorCode, message: string, opts: { expose?: boolean; detail?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IdpError';
    this.code = code;
    this.status = STATUS[code];
    this.expose = opts.expose ?? this.status < 500;
    this.detail = opts.detail;
  }
}

export function isIdpError(err: unknown, code?: IdpErrorCode): err is IdpError {
  return err instanceof IdpError && (code === undefined || err.code === code);
}
