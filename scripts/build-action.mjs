// Builds the action's bundle, dist/index.js, with esbuild: one ESM file, minified, no
// timestamps or absolute paths, so two builds of the same source give the same bytes.
//   --check   build to a temporary file and fail if it differs from the committed dist/index.js
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const outDir = check ? await mkdtemp(path.join(tmpdir(), 'medic-dist-')) : path.join(root, 'dist');
const outfile = path.join(outDir, 'index.js');

await build({
  absWorkingDir: root,
  entryPoints: ['src/action/index.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  // The action always uses DATABASE_URL, so the embedded database stays out of the bundle;
  // ssh2's optional native helper is not used (no ssh:// DOCKER_HOST).
  external: ['@electric-sql/pglite', 'cpu-features', '*.node'],
  // CommonJS dependencies use require() and __dirname; give the ESM bundle both.
  banner: {
    js: [
      "import { createRequire as __medicRequire } from 'node:module';",
      "import { fileURLToPath as __medicPath } from 'node:url';",
      'const require = __medicRequire(import.meta.url);',
      'const __filename = __medicPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
  logLevel: 'warning',
});

const built = await readFile(outfile);
if (check) {
  const committed = await readFile(path.join(root, 'dist', 'index.js')).catch(() => null);
  await rm(outDir, { recursive: true, force: true });
  if (!committed || !committed.equals(built)) {
    console.error('dist/index.js does not match the source: run `npm run build:action` and commit dist/.');
    process.exit(1);
  }
  console.log(`dist/index.js matches the source (${built.length} bytes)`);
} else {
  console.log(`dist/index.js: ${built.length} bytes`);
}
