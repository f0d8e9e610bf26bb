// Readiness of the signing keys: stale only when reloads kept failing for more than two intervals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keysReadiness } from './key-freshness.ts';

const since = Date.parse('2026-12-01T10:00:00.000Z');
const failingFor = (ms: number) => keysReadiness({ loaded: true, failingSince: since, now: since + ms, refreshMs: 30_000 });
const working = (ms: number) => keysReadiness({ loaded: true, failingSince: undefined, now: since + ms, refreshMs: 30_000 });

test('reloads that work, or failed only briefly, are ok', () => {
  assert.equal(working(0), 'ok');
  assert.equal(working(10 * 86400_000), 'ok', 'no failure: however long since the last change');
  assert.equal(failingFor(0), 'ok', 'the first failure');
  assert.equal(failingFor(60_000), 'ok', 'two intervals: a blip, and the reload after it, may fail');
});

test('reloads failing for more than two intervals make the keys stale, with the time they began', () => {
  assert.equal(failingFor(60_001), 'stale: reload failing since 2026-12-01T10:00:00.000Z');
  assert.equal(keysReadiness({ loaded: true, failingSince: since, now: since + 240_001, refreshMs: 120_000 }), 'stale: reload failing since 2026-12-01T10:00:00.000Z');
  assert.equal(keysReadiness({ loaded: true, failingSince: since, now: since + 240_000, refreshMs: 120_000 }), 'ok', 'the bound follows the interval');
});

test('keys that are not there are missing, failing or not', () => {
  assert.equal(keysReadiness({ loaded: false, failingSince: undefined, now: since, refreshMs: 30_000 }), 'missing');
  assert.equal(keysReadiness({ loaded: false, failingSince: since, now: since + 600_000, refreshMs: 30_000 }), 'missing');
});
