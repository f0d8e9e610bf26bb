// The tests' form reader reads a form as a browser would submit it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm } from './browser.ts';

test('findForm sends a checkbox or radio button only when it is checked, and every other field', () => {
  const html = `<form method="post" action="/account/2fa/disable">
  <input type="hidden" name="csrf" value="t&amp;k">
  <input type="checkbox" name="end_other_sessions" value="yes">
  <input type="checkbox" name="remember" value="on" checked>
  <input type="radio" name="lang" value="nl"><input type="radio" name="lang" value="fr" checked>
  <input id="code" name="code" type="text">
</form>`;
  const form = findForm(html, '/2fa/disable', 'http://localhost:3000/account');
  assert.equal(form.action, 'http://localhost:3000/account/2fa/disable');
  assert.deepEqual(form.fields, { csrf: 't&k', remember: 'on', lang: 'fr', code: '' });
});
