import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, redact } from './log.ts';

test('fields named like secrets are redacted; errors keep only name and message', () => {
  const out = redact({ password: 'pw', newPassword: 'pw2', code: '123456', access_token: 't', refreshToken: 'r', cookie: 'c', authorization: 'Bearer x', totpSecret: 's', otp: '1', apiKey: 'k', user: 'ann', status: 401, clientId: 'portal', errorCode: 'csrf_failed', error: new TypeError('boom') });
  for (const k of ['password', 'newPassword', 'code', 'access_token', 'refreshToken', 'cookie', 'authorization', 'totpSecret', 'otp', 'apiKey']) assert.equal(out[k], '[redacted]', k);
  assert.deepEqual({ user: out.user, status: out.status, clientId: out.clientId, errorCode: out.errorCode }, { user: 'ann', status: 401, clientId: 'portal', errorCode: 'csrf_failed' });
  assert.deepEqual(out.error, { name: 'TypeError', message: 'boom' });
});

test('a careless log call writes no secret, also through a child logger', () => {
  const lines: string[] = [];
  const log = createLogger('debug', {}, (l) => lines.push(l)).child({ requestId: 'r1' });
  log.info('signed in', { password: 'hunter2-long', code: '654321', token: 'eyJ.secret' });
  assert.equal(lines.length, 1);
  for (const s of ['hunter2-long', '654321', 'eyJ.secret']) assert.ok(!lines[0]?.includes(s), s);
  assert.match(lines[0] ?? '', /"requestId":"r1"/);
});
