// Builds the action's bundle: dist/index.js, and in dist/chunks/ the code it loads only when it
// reaches it (the OpenTelemetry SDK, when an OTLP endpoint is set), so a step that does not
// trace does not parse it (see bundle.mjs).
//   --check   build to a temporary directory and fail if it differs from the committed dist/
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle } from './bundle.mjs';

const root = path.resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const committedDir = path.join(root, 'dist');
const outDir = check ? await mkdtemp(path.join(tmpdir(), 'medic-dist-')) : committedDir;
if (!check) await rm(committedDir, { recursive: true, force: true });
await bundle({ root, entry: 'src/action/index.ts', outdir: outDir });

/** Every file under `dir`, by its path relative to it, with its bytes. */
async function tree(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = new Map();
  for (const e of entries.filter((x) => x.isFile())) {
    const full = path.join(e.parentPath, e.name);
    files.set(path.relative(dir, full), await readFile(full));
  }
  return files;
}

const built = await tree(outDir);
const bytes = (files) => [...files.values()].reduce((n, b) => n + b.length, 0);
const entryBytes = built.get('index.js')?.length ?? 0;
if (check) {
  const committed = await tree(committedDir);
  await rm(outDir, { recursive: true, force: true });
  const same =
    committed.size === built.size && [...built].every(([name, b]) => committed.get(name)?.equals(b) === true);
  if (!same) {
    console.error('dist/ does not match the source: run `npm run build:action` and commit dist/.');
    process.exit(1);
  }
  console.log(
    `dist/ matches the source (index.js ${entryBytes} bytes, ${built.size} files, ${bytes(built)} bytes)`,
  );
} else {
  console.log(`dist/: index.js ${entryBytes} bytes, ${built.size} files, ${bytes(built)} bytes`);
}
