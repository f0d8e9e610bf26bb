import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIdpError } from '../errors.ts';
import { loadConfig } from './load.ts';

/** The start-up message for a refused configuration. */
function refused(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(isIdpError(err, 'config_invalid'));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

test('DISPLAY_NAME: a colon is refused, as the Key URI label would split at it', () => {
  assert.match(refused({ DISPLAY_NAME: 'Mijn Jullix: Portaal & Co' }), /branding\.displayName: must not contain a colon/);
  assert.equal(loadConfig({ DISPLAY_NAME: 'Mijn Jullix - Portaal & Co' }).branding.displayName, 'Mijn Jullix - Portaal & Co');
});

test('a colon in DISPLAY_NAME is reported together with every other problem', () => {
  const message = refused({ DISPLAY_NAME: 'A:B', PORT: 'eighty', SESSION_IDLE_TIMEOUT_SECONDS: '5' });
  for (const problem of [/branding\.displayName: must not contain a colon/, /PORT: expected a whole number/, /sessions\.idleTimeoutSeconds/]) assert.match(message, problem);
});
