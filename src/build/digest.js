// What the compiled build in dist/ was made from: one SHA-256 over the path and content of every
// TypeScript source under src/ and interactions/ (tests aside). `npm run build` stores it next to
// the build; `npm start` recomputes it and runs dist/ only when the two agree. Content, not file
// times: a copy that keeps old times (rsync -a, tar, a CI cache) must never run a stale build.
// Plain JavaScript, like src/build/launch.js, so that computing it does not load the type stripper.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
export const DIST = path.join(ROOT, 'dist');
export const DIGEST_FILE = path.join(DIST, 'sources.sha256');
const SOURCE_DIRS = ['src', 'interactions'];

/** The digest of the sources as they are on disk now (about 5 ms for 450 KB). */
export function sourceDigest() {
  const hash = createHash('sha256');
  for (const dir of SOURCE_DIRS) {
    const files = readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .sort();
    for (const file of files) {
      const rel = path.join(dir, file);
      hash.update(rel).update('\0').update(readFileSync(path.join(ROOT, rel))).update('\0');
    }
  }
  return hash.digest('hex');
}
