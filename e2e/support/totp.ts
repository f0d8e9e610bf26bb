// The test's own authenticator app: RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s steps) and an RFC 4648
// base32 decoder, written from the RFCs with node:crypto alone. It deliberately shares no code with
// src/factors/totp.ts, so a bug there cannot make the end-to-end tests agree with it.
import { createHmac } from 'node:crypto';

export const PERIOD_MS = 30_000;
const DIGITS = 6;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 base32 → bytes. Spaces (the "ABCD EFGH" grouping), case and `=` padding are ignored. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32_ALPHABET.indexOf(char);
    if (index < 0) throw new Error(`not a base32 character: ${JSON.stringify(char)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 §4.2: T = floor((unix time - T0) / X), T0 = 0, X = 30 s. */
export function timeStep(epochMs: number): number {
  return Math.floor(epochMs / PERIOD_MS);
}

/** Milliseconds from `epochMs` until time step `step` begins (0 when it has already begun). */
export function msUntilStep(step: number, epochMs: number): number {
  return Math.max(0, step * PERIOD_MS - epochMs);
}

/** RFC 4226 §5.3 HOTP: HMAC-SHA-1 over the 8-byte counter, dynamic truncation, modulo 10^digits. */
export function hotp(key: Buffer, counter: number, digits = DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The code an authenticator app shows for `secretBase32` in time step `step`. */
export function totpForStep(secretBase32: string, step: number, digits = DIGITS): string {
  return hotp(base32Decode(secretBase32), step, digits);
}

/** The code for the current time (or `epochMs`), and the step it belongs to. */
export function totpNow(secretBase32: string, epochMs = Date.now()): { code: string; step: number } {
  const step = timeStep(epochMs);
  return { code: totpForStep(secretBase32, step), step };
}

/** Six digits that are no valid code for any step within `around` of `step` (a "mistyped" code). */
export function wrongCode(secretBase32: string, step: number, around = 10): string {
  const valid = new Set<string>();
  for (let s = step - around; s <= step + around; s++) valid.add(totpForStep(secretBase32, s));
  for (let n = 0; ; n++) {
    const candidate = String((Number(totpForStep(secretBase32, step)) + 500_000 + n * 7_919) % 1_000_000).padStart(DIGITS, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

export interface OtpauthUri {
  type: string;
  /** The decoded label, e.g. `Jullix:installer-1a2b3c4d`. */
  label: string;
  params: URLSearchParams;
}

/** Parses Google's Key URI format: otpauth://TYPE/LABEL?PARAMETERS. */
export function parseOtpauthUri(uri: string): OtpauthUri {
  const match = /^otpauth:\/\/([a-z]+)\/([^?]*)\?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an otpauth:// URI: ${uri}`);
  const [, type = '', label = '', query = ''] = match;
  return { type, label: decodeURIComponent(label), params: new URLSearchParams(query) };
}
