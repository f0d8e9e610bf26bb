import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html, trusted } from './html.ts';

test('interpolated text is escaped, including attribute quotes', () => {
  const name = `<script>alert("x")</script>' onmouseover='`;
  const out = html`<p title="${name}">${name}</p>`.toString();
  assert.ok(!out.includes('<script>'));
  assert.ok(!out.includes(`"x"`));
  assert.match(out, /&lt;script&gt;/);
  assert.match(out, /&#39; onmouseover=&#39;/);
});

test('nested templates and arrays are not double-escaped', () => {
  const items = ['a&b', 'c'].map((x) => html`<li>${x}</li>`);
  assert.equal(html`<ul>${items}</ul>`.toString(), '<ul><li>a&amp;b</li><li>c</li></ul>');
  assert.equal(html`${trusted('<b>x</b>')}`.toString(), '<b>x</b>');
  assert.equal(html`${null}${undefined}${false}${0}`.toString(), '0');
});
