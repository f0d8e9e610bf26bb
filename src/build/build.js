// `npm run build` (and `npm install`, through "prepare"): the server and the CLI as JavaScript in
// dist/ (tsc with tsconfig.build.json: types erased, not checked), then the digest of the sources
// it was built from. The old digest goes first, so a build that fails halfway is never taken for
// a current one; the digest is taken before tsc runs, so an edit made during the build shows as a
// mismatch at the next start instead of being missed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIGEST_FILE, DIST, ROOT, sourceDigest } from './digest.js';

const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('jullix-idp: no build in dist/ (TypeScript is not installed, e.g. npm install --omit=dev); npm start runs the sources.');
  process.exit(1);
}
rmSync(DIGEST_FILE, { force: true });
const digest = sourceDigest();
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('jullix-idp: the build failed; npm start runs the sources until it succeeds.');
  process.exit(1);
}
mkdirSync(DIST, { recursive: true });
writeFileSync(DIGEST_FILE, `${digest}\n`);
