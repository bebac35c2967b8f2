#!/usr/bin/env node
// The `medic` executable: hands argv and the environment to the CLI and exits with its code.
import { userInfo } from 'node:os';
import { packageRootFrom } from '../bootstrap/open-core.js';
import { processIo } from './io.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  packageRoot: packageRootFrom(import.meta.url),
  io: processIo,
  actor: process.env.SUDO_USER ?? userInfo().username,
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
});
