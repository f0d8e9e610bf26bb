import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBatcher, lookupBatcher, type Outcome } from './batcher.ts';

const ok = <R>(value: R): Outcome<R> => ({ ok: true, value });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A batch runner that records what it was given and answers when told to. */
function recorder<R>(answer: (items: number[]) => Outcome<R>[]) {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<Outcome<R>[]>((resolve) => pending.push(() => resolve(answer(items))));
  };
  const finishAll = () => pending.splice(0).forEach((finish) => finish());
  return { run, batches, finishAll };
}

describe('batcher (group commit)', () => {
  test('calls made together go to the database as one batch, each caller gets its own answer', async () => {
    const r = recorder((items) => items.map((n) => ok(n * 10)));
    const batcher = createBatcher(r.run);
    const answers = Promise.all([batcher.push(1), batcher.push(2), batcher.push(3)]);
    assert.equal(r.batches.length, 0, 'sent once the calls made together are in');
    await tick();
    assert.deepEqual(r.batches, [[1, 2, 3]]);
    r.finishAll();
    assert.deepEqual(await answers, [10, 20, 30]);
  });

  test('nothing is acknowledged before its batch has finished', async () => {
    const r = recorder((items) => items.map(() => ok('done')));
    const batcher = createBatcher(r.run);
    let settled = false;
    const answer = batcher.push(1).then(() => { settled = true; });
    await tick();
    await tick();
    assert.equal(settled, false);
    r.finishAll();
    await answer;
    assert.equal(settled, true);
  });

  test('while a batch is in flight, later calls wait and go together as the next batch', async () => {
    const r = recorder((items) => items.map((n) => ok(n)));
    const batcher = createBatcher(r.run);
    const first = batcher.push(1);
    await tick();
    const later = [batcher.push(2), batcher.push(3)];
    await tick();
    const last = batcher.push(4);
    await tick();
    assert.deepEqual(r.batches, [[1]], 'the second batch waits for the first');
    r.finishAll();
    assert.equal(await first, 1);
    assert.deepEqual(r.batches, [[1], [2, 3, 4]]);
    r.finishAll();
    assert.deepEqual(await Promise.all([...later, last]), [2, 3, 4]);
  });

  test('a batch is at most maxSize items; the rest go in further batches', async () => {
    const r = recorder((items) => items.map((n) => ok(n)));
    const batcher = createBatcher(r.run, 2);
    const answers = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.push(n)));
    await tick();
    assert.deepEqual(r.batches, [[1, 2], [3, 4], [5]]);
    r.finishAll();
    assert.deepEqual(await answers, [1, 2, 3, 4, 5]);
  });

  test('an item that fails fails only its caller; a batch that throws fails all of its callers', async () => {
    const perItem = createBatcher(async (items: number[]) => items.map((n) => (n === 2 ? { ok: false as const, error: new Error('bad row 2') } : ok(n))));
    const results = await Promise.allSettled([perItem.push(1), perItem.push(2), perItem.push(3)]);
    assert.deepEqual(results.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /bad row 2/);

    let down = true;
    const whole = createBatcher(async (items: number[]) => {
      if (down) throw new Error('database gone');
      return items.map(ok);
    });
    const all = await Promise.allSettled([whole.push(1), whole.push(2)]);
    assert.deepEqual(all.map((x) => x.status), ['rejected', 'rejected']);
    // And it keeps working once the database is back.
    down = false;
    assert.equal(await whole.push(7), 7);
  });

  test('lookups made together are one fetch of the distinct keys; a key the database refuses fails only its caller', async () => {
    const fetches: string[][] = [];
    const byKey = lookupBatcher(async (keys) => {
      fetches.push(keys);
      if (keys.includes('bad\u0000key')) throw new Error('invalid byte sequence');
      return keys.filter((k) => k !== 'missing').map((k) => ({ k }));
    }, (row) => row.k);
    const [a, b, again, missing] = await Promise.all([byKey.push('a'), byKey.push('b'), byKey.push('a'), byKey.push('missing')]);
    assert.deepEqual([a, b, again, missing], [{ k: 'a' }, { k: 'b' }, { k: 'a' }, undefined]);
    assert.deepEqual(fetches, [['a', 'b', 'missing']]);

    const results = await Promise.allSettled([byKey.push('a'), byKey.push('bad\u0000key'), byKey.push('c')]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual((results[2] as PromiseFulfilledResult<unknown>).value, { k: 'c' });
  });
});
