// medic policy apply <file> | show [--json] | check <file>: the operator's policy of which
// repository may act on which workspaces (docs/policy.md). Applying pins every rule to
// GitHub's repository ids (through GitHub, or the ids the file gives) and keeps every version.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  applyPolicy,
  currentPolicy,
  describePolicy,
  formatOf,
  InvalidPolicyError,
  newRepositoryWarnings,
  type Policy,
  parsePolicy,
  type Resolution,
  resolvePolicy,
  type StoredPolicy,
} from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

async function readPolicyFile(file: string): Promise<Policy> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidPolicyError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  return parsePolicy(text, formatOf(file));
}

export function registerPolicy(program: Command, cli: CliSession): void {
  const policy = program
    .command('policy')
    .description("the operator's policy: which repository may act on which workspaces (app and action only)")
    .addHelpText(
      'after',
      helpFooter(
        ['medic policy check policy.yaml', 'medic policy apply policy.yaml', 'medic policy show --json'],
        [...CORE_ENV, 'APP_ID', 'PRIVATE_KEY', 'GITHUB_TOKEN', 'GHE_HOST', 'GHE_PROTOCOL', 'GITHUB_API_URL'],
      ),
    );
  registerPolicyApply(policy, cli);
  registerPolicyShow(policy, cli);
  registerPolicyCheck(policy, cli);
}

function registerPolicyApply(policy: Command, cli: CliSession): void {
  policy
    .command('apply')
    .description(
      "validate a policy file (YAML or JSON), pin each rule to GitHub's repository ids (through GitHub with APP_ID/PRIVATE_KEY or GITHUB_TOKEN, or the file's `id:`), and put it in force",
    )
    .argument('<file>', 'the policy file')
    .action(async (file: string) => {
      // Resolved before the database is opened: a policy that cannot be pinned changes nothing.
      let resolved: { policy: Policy; resolution: Resolution; warnings: readonly string[] };
      try {
        const policy = await readPolicyFile(file);
        // Octokit and its app auth load only here, not with every command.
        const { repoDirectoryFromEnv } = await import('../../github/repo-directory.js');
        const directory = repoDirectoryFromEnv(cli.ctx.env);
        resolved = { policy, ...(await resolvePolicy(policy, directory, new Date())) };
      } catch (error) {
        cli.report(error);
        return;
      }
      const { policy: parsed, resolution, warnings } = resolved;
      return cli.withCore(async (deps) => {
        const stored = await applyPolicy(deps.db, parsed, resolution, cli.ctx.actor);
        cli.io.out(`policy version ${stored.version} applied by ${stored.appliedBy}:`);
        printPolicy(cli, stored);
        for (const w of warnings) cli.io.err(w);
        return EXIT.ok;
      });
    });
}

function registerPolicyShow(policy: Command, cli: CliSession): void {
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
          printPolicy(cli, stored);
          for (const w of newRepositoryWarnings(stored.policy)) cli.io.err(w);
        }
        return EXIT.ok;
      }),
    );
}

function registerPolicyCheck(policy: Command, cli: CliSession): void {
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
        for (const w of newRepositoryWarnings(parsed)) cli.io.err(w);
        cli.code = EXIT.ok;
      } catch (error) {
        if (!(error instanceof InvalidPolicyError)) throw error;
        cli.io.err(`medic: ${error.code}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
        cli.code = EXIT.usage;
      }
    });
}

/** Each rule, and the repositories (with their GitHub ids) it was pinned to when applied. */
function printPolicy(cli: CliSession, stored: StoredPolicy): void {
  const lines = describePolicy(stored.policy);
  const rules = stored.policy.repos.length;
  for (const [i, line] of lines.entries()) {
    cli.io.out(`  ${line}`);
    // Only repository rules are pinned to GitHub's ids; clients and sinks are what they say.
    if (i < rules) cli.io.out(`    ${pinnedTo(stored.resolution, i)}`);
  }
  if (stored.resolution) cli.io.out(`  pinned via ${stored.resolution.via} at ${stored.resolution.at}`);
}

function pinnedTo(resolution: Resolution | null, rule: number): string {
  if (!resolution) return 'pinned to nothing: applied before grants were pinned to ids; apply it again';
  const r = resolution.rules[rule];
  if (!r || r.repos.length === 0) return 'pinned to no repository: grants nothing';
  const repos = r.repos.map((p) => `${p.name} (id ${p.id})`).join(', ');
  return `pinned to ${repos}${r.ownerId !== null ? `; new repositories of owner id ${r.ownerId}` : ''}`;
}
