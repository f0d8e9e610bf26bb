// The configuration schema: one typed object, validated once at start-up (STYLE habit 1).
import { z } from 'zod';
import { ROLES } from '../accounts/types.ts';
import { lifetimeProblem } from '../sign-in/session-lifetime.ts';
import { issuerSpellingProblem } from './issuer.ts';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const issuerUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://login.example.com' })
  .refine((u) => !u.includes('?') && !u.includes('#'), 'must not contain a query or a fragment (OIDC Core 3.1.2.1 / Discovery 4)')
  .refine((u) => !u.endsWith('/'), 'must not end with a slash')
  // A user:password part would be published in discovery.
  .refine((u) => { const p = URL.parse(u); return p !== null && p.username === '' && p.password === ''; }, 'must not contain a user name or password')
  // Written as apps compare it, byte for byte: no capitals, default port or Unicode host (issuer.ts).
  .superRefine((u, ctx) => {
    const problem = issuerSpellingProblem(u);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

export const configSchema = z.strictObject({
  // Another spelling of production (Production, PROD) would silently run with development keys and rules.
  nodeEnv: z.string().refine((v) => v === 'production' || v.toLowerCase() !== 'production', 'write production in lower case'),
  port: z.number().int().min(0).max(65535),
  issuer: issuerUrl,
  dataDir: z.string().min(1),
  databaseUrl: z.string().regex(/^(postgres|postgresql):\/\//, 'must start with postgres:// or postgresql:// (leave it unset for SQLite)').optional(),
  logLevel: z.enum(LOG_LEVELS),
  /** Trust X-Forwarded-* from a TLS-terminating proxy in front of us. */
  trustProxy: z.boolean(),
  migrateOnStart: z.boolean(),
  /** On SIGTERM, how long requests in flight may take to finish before connections are cut. */
  shutdownGraceSeconds: z.number().int().min(0).max(300),
  branding: z.strictObject({
    /** Shown on every page and as the account's issuer in the authenticator app. */
    displayName: z.string().trim().min(1).max(64)
      // Google's Key URI format: the issuer must not contain a colon, even percent-encoded; apps
      // split the QR code's label at the first one and would show part of the name as the account.
      .refine((name) => !name.includes(':'), 'must not contain a colon (":"): authenticator apps would split the name at it (Key URI format); use a dash instead, e.g. "Mijn Jullix - Portaal"'),
  }),
  mfa: z.strictObject({
    /** Roles that must enrol TOTP and can never skip it. */
    requiredRoles: z.array(z.enum(ROLES)),
    /** How long a sign-in with the second factor keeps a session at aal2; after that, step-up asks again. */
    aal2MaxAgeSeconds: z.number().int().min(1).max(30 * 86400),
  }),
  sessions: z.strictObject({
    /** Absolute session lifetime from the sign-in, however busy the session is. */
    sessionTtlSeconds: z.number().int().min(60).max(30 * 86400),
    /** A session unused for this long needs a new sign-in; every use restarts it (NIST AAL2: at most 1 h). */
    idleTimeoutSeconds: z.number().int().min(60).max(30 * 86400),
    interactionTtlSeconds: z.number().int().min(60).max(86400),
  }).superRefine((sessions, ctx) => {
    const problem = lifetimeProblem(sessions);
    if (problem) ctx.addIssue({ code: 'custom', path: ['idleTimeoutSeconds'], message: problem });
  }),
  signingKeys: z.strictObject({
    /**
     * How often each instance reloads the signing keys (a rotation reaches every instance within
     * this). At most 2 minutes: with relying apps' JWKS caches (openid-client refetches on an unknown
     * kid after 60 s) that stays inside `keys rotate`'s shortest activation delay of 5 minutes.
     */
    refreshSeconds: z.number().int().min(1).max(120, 'must be at most 120 s: a new key must reach every instance well within the 5-minute minimum activation delay of keys rotate').default(30),
  }).default({ refreshSeconds: 30 }),
  secrets: z.strictObject({
    /** JSON Web Key Set with private signing keys (JWKS env var). */
    jwks: z.string().optional(),
    /** Comma-separated cookie signing keys, newest first (COOKIE_KEYS). */
    cookieKeys: z.string().optional(),
    /** Base64 of 32 random bytes, newest first, comma-separated for rotation (DATA_ENCRYPTION_KEYS). */
    dataEncryptionKeys: z.string().optional(),
  }),
  /** Prometheus /metrics on its own listener: off unless a port is set (docs/operations.md, Metrics). */
  metrics: z.strictObject({
    port: z.number().int().min(0).max(65535).optional(),
    /** Loopback by default, so only this machine (or a sidecar) can scrape. */
    host: z.string().trim().min(1),
    token: z.string().min(16, 'must be at least 16 characters, e.g. the output of: openssl rand -hex 32').optional(),
  }),
}).refine((c) => c.metrics.port === undefined || c.metrics.port === 0 || c.metrics.port !== c.port, {
  path: ['metrics', 'port'], message: 'must differ from the main port: metrics are never served on the public listener',
});

export type Config = z.infer<typeof configSchema>;
