#!/usr/bin/env node
// The `medic` executable: hands argv and the environment to the CLI and exits with its code.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRootFrom } from '../bootstrap/package-root.js';
import { processIo } from './io.js';
import { runCli } from './program.js';

// A reader that stops early (`medic history | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

const packageRoot = packageRootFrom(import.meta.url);

/** The version in the nearest package.json up from here (the build asks for help before templates/ is there). */
function ownVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  packageRoot,
  version: ownVersion(),
  io: processIo(process.env, process.argv.slice(2)),
  actor: process.env.SUDO_USER ?? userInfo().username,
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
});
