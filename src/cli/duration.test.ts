import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  const accepted: Array<[string, number]> = [['30m', 1800], ['12h', 43200], ['7d', 604800], ['3600s', 3600], ['3600', 3600], ['1', 1], ['90d', 7776000]];
  for (const [text, seconds] of accepted) test(`${text} is ${seconds} s`, () => assert.equal(parseDuration(text), seconds));

  for (const text of ['', '0', '0h', '-5m', '1.5h', '1w', 'h', '12 h', '24H', '1e3', '9999999999']) {
    test(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), undefined));
  }
});

test('formatDuration uses the largest exact unit', () => {
  assert.deepEqual([86400, 7776000, 5400, 3600, 61].map(formatDuration), ['1d', '90d', '90m', '1h', '61s']);
});
