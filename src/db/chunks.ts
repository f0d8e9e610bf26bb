// Work on many ids a hundred at a time: one statement's bound parameters stay few (SQLite's limit,
// PostgreSQL's plan size), and each chunk runs after the one before.

/** Runs `work` on `ids` 100 at a time, in turn. */
export async function inChunks(ids: readonly string[], work: (chunk: string[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) await work(ids.slice(i, i + 100));
}
