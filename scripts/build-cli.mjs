// Builds the `medic` executable, lib/medic.js, as one bundle (see bundle.mjs): a CLI that
// operators and automatic restarts start often should not pay for resolving hundreds of files.
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { bundle } from './bundle.mjs';

const root = path.resolve(import.meta.dirname, '..');
const outfile = path.join(root, 'lib', 'medic.js');
await bundle({ root, entry: 'src/cli/main.ts', outfile });
await chmod(outfile, 0o755);
