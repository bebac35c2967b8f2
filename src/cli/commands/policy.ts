// medic policy apply <file> | show [--json] | check <file>: the operator's policy of which
// repository may act on which workspaces (docs/policy.md). Applying keeps every version.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  applyPolicy,
  currentPolicy,
  describePolicy,
  InvalidPolicyError,
  type Policy,
  parsePolicy,
} from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

async function readPolicyFile(file: string): Promise<Policy> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidPolicyError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  return parsePolicy(text);
}

export function registerPolicy(program: Command, cli: CliSession): void {
  const policy = program
    .command('policy')
    .description("the operator's policy: which repository may act on which workspaces (app and action only)")
    .addHelpText(
      'after',
      helpFooter(
        ['medic policy check policy.yaml', 'medic policy apply policy.yaml', 'medic policy show --json'],
        CORE_ENV,
      ),
    );

  policy
    .command('apply')
    .description(
      'validate a policy file (YAML or JSON) and put it in force; prints what each repository may do',
    )
    .argument('<file>', 'the policy file')
    .action(async (file: string) =>
      cli.withCore(async (deps) => {
        const stored = await applyPolicy(deps.db, await readPolicyFile(file), cli.ctx.actor);
        cli.io.out(`policy version ${stored.version} applied by ${stored.appliedBy}:`);
        for (const line of describePolicy(stored.policy)) cli.io.out(`  ${line}`);
        return EXIT.ok;
      }),
    );

  policy
    .command('show')
    .description('print the policy in force, with its version and who applied it')
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const stored = await currentPolicy(deps.db);
        if (o.json) {
          cli.io.out(JSON.stringify(stored ?? { version: 0, policy: null }));
        } else if (!stored) {
          cli.io.out('no policy applied: the app and the action refuse every command (REPO_NOT_GRANTED)');
          cli.io.out('  apply one with: medic policy apply <file>');
        } else {
          cli.io.out(
            `policy version ${stored.version}, applied by ${stored.appliedBy} at ${stored.appliedAt.toISOString()}:`,
          );
          for (const line of describePolicy(stored.policy)) cli.io.out(`  ${line}`);
        }
        return EXIT.ok;
      }),
    );

  policy
    .command('check')
    .description('validate a policy file without applying it (exit 2 with the reason when invalid)')
    .argument('<file>', 'the policy file')
    .action(async (file: string) => {
      // Needs no database: a file is checked where it is written.
      try {
        const parsed = await readPolicyFile(file);
        cli.io.out(`${file}: valid`);
        for (const line of describePolicy(parsed)) cli.io.out(`  ${line}`);
        cli.code = EXIT.ok;
      } catch (error) {
        if (!(error instanceof InvalidPolicyError)) throw error;
        cli.io.err(`medic: ${error.code}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
        cli.code = EXIT.usage;
      }
    });
}
