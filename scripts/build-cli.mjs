// Builds the `medic` executable, lib/medic.js, as one bundle (see bundle.mjs): a CLI that
// operators and automatic restarts start often should not pay for resolving hundreds of files.
import { execFileSync } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundle } from './bundle.mjs';

const root = path.resolve(import.meta.dirname, '..');
// lib/medic.js is a launcher of a few lines (`--version` needs nothing more); the CLI itself is
// lib/medic-cli/main.js (its commands' code in lib/medic-cli/chunks/, loaded as they run), loaded by the
// launcher for every other command.
await rm(path.join(root, 'lib', 'medic-cli'), { recursive: true, force: true });
await bundle({ root, entry: 'src/cli/main.ts', outdir: path.join(root, 'lib', 'medic-cli') });
const launcher = path.join(root, 'lib', 'medic.js');
await bundle({ root, entry: 'src/cli/launcher.ts', outfile: launcher, banner: false });
await chmod(launcher, 0o755);

// What the launcher answers without loading the CLI: every command's --help and the completion
// scripts, exactly as the CLI prints them (in a pipe: 80 columns, no colour), made from the
// CLI just built, so they cannot differ from it.
const cli = path.join(root, 'lib', 'medic-cli', 'main.js');
const run = (args) =>
  execFileSync(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
  }).toString();
const words = (help) =>
  [...(help.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z]+)\b/gm)]
    .map((m) => m[1])
    .filter((c) => c !== 'help');
const answers = { '--help': run(['--help']) };
for (const command of words(answers['--help'])) {
  const help = run([command, '--help']);
  answers[`${command} --help`] = help;
  for (const sub of words(help)) answers[`${command} ${sub} --help`] = run([command, sub, '--help']);
}
for (const shell of ['bash', 'zsh']) answers[`completion ${shell}`] = run(['completion', shell]);
await writeFile(path.join(root, 'lib', 'medic-answers.json'), `${JSON.stringify(answers)}\n`);
