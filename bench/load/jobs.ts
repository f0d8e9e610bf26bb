// The work a load process can be given, as plain data (it crosses a process boundary), and what
// it reports back.
import type { Person, SignInClient } from './sign-in.ts';

export interface Limits { concurrency: number; durationMs: number; maxCount: number; warmupMs?: number }

export type LoadJob =
  | { kind: 'sign-in'; limits: Limits; client: SignInClient; people: Person[]; keepTokens?: boolean; keepSamples?: boolean }
  | { kind: 'client-credentials'; limits: Limits; issuer: string; clientId: string; clientSecret: string; keepTokens?: number }
  | { kind: 'refresh'; limits: Limits; issuer: string; clientId: string; clientSecret: string; refreshTokens: string[] }
  | { kind: 'introspect'; limits: Limits; issuer: string; clientId: string; clientSecret: string; tokens: string[] }
  | { kind: 'discovery'; limits: Limits; issuer: string };

export interface LatencySummary { count: number; mean: number; p50: number; p90: number; p99: number; max: number }

export interface LoadReport {
  kind: LoadJob['kind'] | 'argon2';
  completed: number;
  errors: number;
  elapsedMs: number;
  perSecond: number;
  latency: LatencySummary;
  /** Per sign-in step (login, totp, consent, token). */
  steps?: Record<string, LatencySummary>;
  /** Sign-in only: X-Request-Id and client-side time of each TOTP POST. */
  totpRequests?: Array<{ id: string; ms: number }>;
  /** Sign-in only, with keepSamples: every counted sign-in's time and each step's, in ms. */
  samples?: { total: number[]; steps: Record<string, number[]> };
  /** Tokens handed back for a later phase (refresh tokens, access tokens). */
  tokens?: string[];
  errorSamples: string[];
  /** CPU time (user + system, every thread) the serving process spent per completed operation. */
  cpuMsPerOp?: number;
  /** The same by kind of thread (main, libuv-worker, V8's threads). */
  cpuMsPerOpByThread?: Record<string, number>;
  /** CPU time the load process itself spent per completed operation (it shares the machine). */
  clientCpuMsPerOp?: number;
}
