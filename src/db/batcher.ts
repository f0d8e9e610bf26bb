// Group commit for the hot path: while one batch is with the database, the calls that arrive meanwhile
// wait and go together as the next one, so N requests in flight cost one round trip instead of N.
// With nothing in flight a call goes at once (after the current microtasks, so calls made together,
// as in a Promise.all, still share a batch): batching adds no wait to a lone request. Nothing is
// acknowledged early: a caller's promise settles only once the batch holding its item has finished.

/** One item's outcome inside a batch: a batch may succeed for some items and fail for others. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface Batcher<I, R> {
  /** Queues an item for the next batch; settles with that item's own outcome. */
  push(item: I): Promise<R>;
}

/**
 * `run` receives at most `maxSize` items and answers one outcome per item, in order; if it
 * throws, every item of that batch fails with the error.
 */
export function createBatcher<I, R>(run: (items: I[]) => Promise<Outcome<R>[]>, maxSize = 32): Batcher<I, R> {
  interface Waiting { item: I; resolve(value: R): void; reject(error: unknown): void }
  let queue: Waiting[] = [];
  let scheduled = false;
  let inFlight = 0;

  const dispatch = (batch: Waiting[]) => {
    inFlight++;
    run(batch.map((w) => w.item)).finally(() => {
      inFlight--;
      if (inFlight === 0 && queue.length > 0) flush();
    }).then(
      (outcomes) => batch.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined) w.reject(new Error('batch answered fewer outcomes than it was given items'));
        else if (outcome.ok) w.resolve(outcome.value);
        else w.reject(outcome.error);
      }),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  };
  const flush = () => {
    scheduled = false;
    const taken = queue;
    queue = [];
    for (let i = 0; i < taken.length; i += maxSize) dispatch(taken.slice(i, i + maxSize));
  };
  return {
    push(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // With a batch in flight, its end hands this one over (see dispatch).
        if (inFlight === 0 && !scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      });
    },
  };
}

/** SQL built for a batch size, remembered: one text per size, so each is prepared once per connection. */
export function sqlBySize(build: (n: number) => string): (n: number) => string {
  const known = new Map<number, string>();
  return (n) => {
    let sql = known.get(n);
    if (sql === undefined) known.set(n, (sql = build(n)));
    return sql;
  };
}

/** `?, ?, …, ?` for an `in (…)` list of n values. */
export const placeholders = sqlBySize((n) => Array.from({ length: n }, () => '?').join(', '));

/**
 * A batch of distinct items as one statement: items with the same `keyOf` are run once (the
 * later one), `run` answers each key's result. If the statement fails, each item is run alone,
 * so an item the database refuses fails only its own callers: keys come from requests, and
 * PostgreSQL refuses a NUL character in text.
 */
export function distinctBatcher<I, R>(keyOf: (item: I) => string, run: (distinct: I[]) => Promise<(key: string) => R>): Batcher<I, R> {
  return createBatcher(async (items) => {
    const byKey = new Map<string, I>();
    for (const item of items) byKey.set(keyOf(item), item);
    const keys = items.map(keyOf);
    try {
      const resultOf = await run([...byKey.values()]);
      return keys.map((key) => ({ ok: true, value: resultOf(key) }));
    } catch (error) {
      if (byKey.size === 1) throw error;
      const alone = new Map<string, Outcome<R>>();
      await Promise.all([...byKey].map(([key, item]) => run([item]).then(
        (resultOf) => { alone.set(key, { ok: true, value: resultOf(key) }); },
        (err: unknown) => { alone.set(key, { ok: false, error: err }); },
      )));
      return keys.map((key) => alone.get(key) as Outcome<R>);
    }
  });
}

/** Lookups by key that wait together, as one statement: each caller gets the row whose `keyOf` is its key, or undefined. */
export function lookupBatcher<Row>(fetch: (keys: string[]) => Promise<Row[]>, keyOf: (row: Row) => string): Batcher<string, Row | undefined> {
  return distinctBatcher((key: string) => key, async (keys) => {
    const found = new Map((await fetch(keys)).map((row) => [keyOf(row), row]));
    return (key) => found.get(key);
  });
}
