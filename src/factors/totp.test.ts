import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScureBase32Plugin } from 'otplib';
import {
  SECRET_BYTES,
  decideTotpStep,
  formatSecretForHumans,
  generateTotpSecret,
  keyUri,
  keyUriAccountName,
  matchTotp,
  normaliseTotpInput,
  timeStepAt,
  totpAt,
} from './totp.ts';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const NOW_MS = 1_111_111_111_000;
const NOW_STEP = timeStepAt(NOW_MS);

test('the RFC secret is the base32 form of the RFC seed', () => {
  const decoded = new ScureBase32Plugin().decode(RFC_SECRET);
  assert.equal(Buffer.from(decoded).toString('ascii'), '12345678901234567890');
});

test('RFC 6238 Appendix B SHA-1 vectors, last six digits', async () => {
  const vectors: Array<[number, string]> = [
    [59, '287082'], // the RFC lists 94287082 (8 digits)
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ];
  for (const [seconds, code] of vectors) {
    assert.equal(await totpAt(RFC_SECRET, timeStepAt(seconds * 1000)), code, `T = ${seconds}`);
  }
});

test('timeStepAt counts 30-second steps from the epoch', () => {
  assert.equal(timeStepAt(0), 0);
  assert.equal(timeStepAt(29_999), 0);
  assert.equal(timeStepAt(30_000), 1);
  assert.equal(timeStepAt(59_000), 1);
});

test('the current code matches and reports its step', async () => {
  const code = await totpAt(RFC_SECRET, NOW_STEP);
  assert.deepEqual(await matchTotp(RFC_SECRET, code, NOW_MS), { ok: true, step: NOW_STEP });
});

test('one step either side is accepted (RFC 6238 §5.2)', async () => {
  for (const offset of [-1, 1]) {
    const code = await totpAt(RFC_SECRET, NOW_STEP + offset);
    assert.deepEqual(await matchTotp(RFC_SECRET, code, NOW_MS), { ok: true, step: NOW_STEP + offset });
  }
});

test('window 0 accepts only the current step and reports ±1 as near', async () => {
  const previous = await totpAt(RFC_SECRET, NOW_STEP - 1);
  assert.deepEqual(await matchTotp(RFC_SECRET, previous, NOW_MS, { window: 0 }), { ok: false, reason: 'mismatch', nearStep: -1 });
});

test('a window wider than one step is refused outright', async () => {
  await assert.rejects(matchTotp(RFC_SECRET, '123456', NOW_MS, { window: 2 }), RangeError);
});

test('codes two to ten steps away are rejected, with the offset reported', async () => {
  for (const offset of [-2, 2, -4, 10, -10]) {
    const code = await totpAt(RFC_SECRET, NOW_STEP + offset);
    const result = await matchTotp(RFC_SECRET, code, NOW_MS);
    assert.deepEqual(result, { ok: false, reason: 'mismatch', nearStep: offset }, `offset ${offset}`);
  }
});

test('a code eleven steps away is a plain mismatch', async () => {
  const code = await totpAt(RFC_SECRET, NOW_STEP + 11);
  assert.deepEqual(await matchTotp(RFC_SECRET, code, NOW_MS), { ok: false, reason: 'mismatch' });
});

test('spaces and dashes are ignored, anything but six ASCII digits is malformed', async () => {
  const code = await totpAt(RFC_SECRET, NOW_STEP);
  for (const typed of [`${code.slice(0, 3)} ${code.slice(3)} `, `${code.slice(0, 3)}-${code.slice(3)}`]) {
    assert.deepEqual(await matchTotp(RFC_SECRET, typed, NOW_MS), { ok: true, step: NOW_STEP }, typed);
  }
  for (const bad of ['', '12345', '1234567', '12345a', 'abc123', '１２３４５６', '123_456', '0x1234', ' '.repeat(40) + '123456']) {
    assert.deepEqual(await matchTotp(RFC_SECRET, bad, NOW_MS), { ok: false, reason: 'malformed' }, JSON.stringify(bad));
  }
  assert.equal(normaliseTotpInput('\t050 471\n'), '050471');
});

test('replay: a step at or below the last accepted one is refused (RFC 6238 §5.2)', () => {
  assert.equal(decideTotpStep(100, null), 'accept');
  assert.equal(decideTotpStep(101, 100), 'accept');
  assert.equal(decideTotpStep(100, 100), 'replay');
  assert.equal(decideTotpStep(99, 100), 'replay');
});

test('a generated secret is 32 base32 characters holding 20 random bytes', async () => {
  const secret = generateTotpSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(new ScureBase32Plugin().decode(secret).length, SECRET_BYTES);
  assert.notEqual(generateTotpSecret(), secret);
  assert.match(await totpAt(secret, NOW_STEP), /^[0-9]{6}$/);
});

test('key URI percent-encodes each label part and keeps the colon literal', () => {
  const uri = keyUri({ issuer: 'Jullix Portal & Co', accountName: 'ann marie@example.com', secretBase32: RFC_SECRET });
  assert.equal(
    uri,
    'otpauth://totp/Jullix%20Portal%20%26%20Co:ann%20marie%40example.com'
      + `?secret=${RFC_SECRET}&issuer=Jullix%20Portal%20%26%20Co&algorithm=SHA1&digits=6&period=30`,
  );
  const parsed = new URL(uri);
  assert.equal(parsed.protocol, 'otpauth:');
  assert.equal(parsed.searchParams.get('issuer'), 'Jullix Portal & Co');
  assert.throws(() => keyUri({ issuer: '', accountName: 'a', secretBase32: RFC_SECRET }), RangeError);
});

/** The label as an app reads it: decoded, then split at its first colon (Key URI format). */
function labelOf(uri: string): { issuer: string; accountName: string; colons: number } {
  const label = decodeURIComponent(new URL(uri).pathname.slice(1));
  const at = label.indexOf(':');
  return { issuer: label.slice(0, at), accountName: label.slice(at + 1), colons: label.split(':').length - 1 };
}

test('key URI: no colon in the issuer or the account name, even percent-encoded', () => {
  assert.throws(() => keyUri({ issuer: 'Mijn Jullix: Portaal & Co', accountName: 'c2', secretBase32: RFC_SECRET }), /must not contain a colon/);
  const uri = keyUri({ issuer: 'Mijn Jullix', accountName: 'ann:marie', secretBase32: RFC_SECRET });
  assert.doesNotMatch(uri, /%3A/i);
  assert.deepEqual(labelOf(uri), { issuer: 'Mijn Jullix', accountName: 'ann.marie', colons: 1 });
  assert.equal(new URL(uri).searchParams.get('issuer'), 'Mijn Jullix');
  assert.equal(keyUriAccountName('a:b::c'), 'a.b..c');
  assert.equal(keyUriAccountName('ann.marie@example.com'), 'ann.marie@example.com');
});

test('secrets are shown in groups of four', () => {
  assert.equal(formatSecretForHumans(RFC_SECRET), 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
  assert.equal(formatSecretForHumans('ABCDEF'), 'ABCD EF');
  assert.equal(formatSecretForHumans(''), '');
});
