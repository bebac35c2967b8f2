// Builds the action's bundle, dist/index.js (see bundle.mjs).
//   --check   build to a temporary file and fail if it differs from the committed dist/index.js
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle } from './bundle.mjs';

const root = path.resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const outDir = check ? await mkdtemp(path.join(tmpdir(), 'medic-dist-')) : path.join(root, 'dist');
const outfile = path.join(outDir, 'index.js');
await bundle({ root, entry: 'src/action/index.ts', outfile });

const built = await readFile(outfile);
if (check) {
  const committed = await readFile(path.join(root, 'dist', 'index.js')).catch(() => null);
  await rm(outDir, { recursive: true, force: true });
  if (!committed?.equals(built)) {
    console.error('dist/index.js does not match the source: run `npm run build:action` and commit dist/.');
    process.exit(1);
  }
  console.log(`dist/index.js matches the source (${built.length} bytes)`);
} else {
  console.log(`dist/index.js: ${built.length} bytes`);
}
