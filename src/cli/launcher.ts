#!/usr/bin/env node
// The `medic` executable's first few lines, kept apart from the CLI so that what needs none of
// it costs none of it: `--version` reads package.json; every `--help` and the completion
// scripts are answered from lib/medic-answers.json, which the build makes by asking the CLI
// itself (scripts/build-cli.mjs); every other command loads the CLI (lib/medic-cli/main.js), with
// Node's compile cache (22.1 and later) keeping its compiled code between runs.
import { readFileSync } from 'node:fs';
import module from 'node:module';

const args = process.argv.slice(2);
const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

function answer(): string | null {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V'))
    return `${(JSON.parse(read('../package.json')) as { version?: string }).version ?? 'unknown'}\n`;
  const last = args.at(-1);
  const key =
    last === '--help' || last === '-h'
      ? [...args.slice(0, -1), '--help'].join(' ')
      : args[0] === 'completion' && args.length === 2
        ? args.join(' ')
        : null;
  if (key === null) return null;
  try {
    return (JSON.parse(read('./medic-answers.json')) as Record<string, string>)[key] ?? null;
  } catch {
    return null; // a build without it: the CLI answers
  }
}

const known = answer();
if (known !== null) process.stdout.write(known);
else {
  // Absent before Node 22.1, and harmless to skip: the cache only saves time.
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  await import(new URL('./medic-cli/main.js', import.meta.url).href);
}
