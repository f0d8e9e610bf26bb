// A seeded PRNG (mulberry32) and the malformed values the fuzzer sends: boundary values, wrong
// types, huge and empty strings, unicode (NUL, RTL override, emoji, lone surrogates), injection
// strings. Same seed, same requests: a failure reproduces with FUZZ_SEED=<seed>.

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      const item = items[int(items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}

/** 100 kB: far above every limit we set (16 kB forms, 16 kB headers). */
export const HUGE = 100_000;

const BOUNDARY = ['', ' ', '0', '-1', '1', '2147483648', '-9223372036854775809', '1e309', 'NaN', 'Infinity', '-0', '0x1f', '00000',
  'null', 'undefined', 'true', 'false', '[]', '{}', '[object Object]', '9'.repeat(40), '.', '..', '/', '\\', '%', '%%', '%zz', '%u0041', '+', '&', '=', '?', '#', ';'];
const UNICODE = ['\u0000', 'a\u0000b', '\u202Eevil\u202C', '\u200B\u200D\uFEFF', '\u{1F600}\u{1F525}', 'é'.normalize('NFD'), 'ＡＤＭＩＮ', 'İı', 'ǅ', '\uD800', '\uDFFF',
  '\u0085\u2028\u2029', 'עברית', 'العربية', '\u0301'.repeat(50), '\u{10FFFF}', '\r\n', '\t', '\u007f', '\u001b[31m'];
const INJECTION = ['<script>alert(1)</script>', '"><svg onload=alert(1)>', "'-alert(1)-'", 'javascript:alert(1)', '${7*7}', '{{7*7}}', '<%= 7*7 %>',
  "' OR '1'='1", '1; DROP TABLE users; --', '../../../../etc/passwd', '..%2f..%2f', 'https://evil.example/', '//evil.example', '\\\\evil.example',
  'x\r\nSet-Cookie: pwned=1', '__proto__', 'constructor', 'prototype', '%00', '%0d%0a', 'a'.repeat(300) + '@' + 'b'.repeat(300) + '.example'];
const PROTOCOLISH = ['openid', 'openid profile email roles offline_access', 'code', 'code id_token', 'none', 'token', 'S256', 'plain', 'form_post', 'query', 'fragment',
  'login', 'consent', 'select_account', 'authorization_code', 'refresh_token', 'client_credentials', 'aal1', 'aal2', 'portal', 'jullix-account',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'a'.repeat(43), '123456', '000000', 'abcd-efgh-ijkl', 'http://127.0.0.1/cb'];

const CHARSETS = ['abcdefghijklmnopqrstuvwxyz', '0123456789', ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'äöüßéèçñøåæ€', '\u{1F600}\u{1F680}\u{1F4A9}', '\u0000\u0001\u0008\u001f\u007f'];

function randomString(r: Random, maxLength: number): string {
  const charset = [...r.pick(CHARSETS)];
  const length = r.int(maxLength + 1);
  let out = '';
  for (let i = 0; i < length; i++) out += r.pick(charset);
  return out;
}

/** One malformed or borderline string value. */
export function fuzzValue(r: Random): string {
  const kind = r.int(1000);
  if (kind < 150) return r.pick(BOUNDARY);
  if (kind < 300) return r.pick(UNICODE);
  if (kind < 450) return r.pick(INJECTION);
  if (kind < 600) return r.pick(PROTOCOLISH);
  // Rare, because each costs the server real work; the body-level huge cases are in buildRequest.
  if (kind < 605) return r.chance(0.5) ? 'A'.repeat(HUGE) : randomString(r, 40).repeat(Math.ceil(HUGE / 40)).slice(0, HUGE);
  if (kind < 700) return r.pick(PROTOCOLISH) + r.pick(INJECTION);
  return randomString(r, r.chance(0.1) ? 2000 : 40);
}

/** Something that is not a string at all, for JSON bodies. */
export function fuzzJsonValue(r: Random): unknown {
  switch (r.int(9)) {
    case 0: return null;
    case 1: return r.int(2) === 0;
    case 2: return r.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2]);
    case 3: return [fuzzValue(r), fuzzValue(r)];
    case 4: return { nested: { deeper: [fuzzValue(r)] } };
    case 5: return [];
    case 6: return {};
    default: return fuzzValue(r);
  }
}

/** A raw (not percent-encoded) string that must never reach a server intact as text, kept printable for header use. */
export function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 4000);
}
