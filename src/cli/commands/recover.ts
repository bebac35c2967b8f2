// medic recover <target>...: recover each workspace in turn, steps shown as they happen.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { recoverMany } from '../../core/index.js';
import { type CliSession, helpFooter, jsonOption, RUN_ENV } from '../context.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { liveProgress, printResult } from '../io.js';

interface Options {
  dryRun?: boolean;
  force?: boolean;
  from?: string;
  plan?: string;
  reason?: string;
  json?: boolean;
}

export function registerRecover(program: Command, cli: CliSession): void {
  program
    .command('recover')
    .description(
      "recover workspaces: fill the config volume in from the runtime template (keeping the user's files), start, mark online",
    )
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic recover ws-92f6d88b-6a9 --reason "volume pruned"',
          'medic recover ws-92f6d88b-6a9 --dry-run    # lists each file it would add, keep or overwrite',
          'medic recover ws-92f6d88b-6a9 --from template',
          'medic recover 92f6d88b-6a96-4e6a-875b-3cf866fa020a --json',
        ],
        RUN_ENV,
      ),
    )
    .argument('<target...>', 'ws-<first 12 chars of the uuid> or a full uuid')
    .option('--dry-run', 'plan only: say what would be done, change nothing')
    .option(
      '--force',
      'reseed even a healthy workspace (the volume is snapshotted first), override the restart budget, and end a hold (medic hold)',
    )
    .addOption(
      new Option(
        '--from <source>',
        "template: write every template file over what the volume holds (default: fill in only what is missing, keeping the user's files)",
      ).choices(['template']),
    )
    .addOption(
      new Option(
        '--plan <digest>',
        "a dry run's plan (its `--plan sha256:…`): write exactly those files, or refuse (PLAN_CHANGED) if the volume changed since",
      ).argParser(planDigest),
    )
    .option('--reason <text>', 'why, for the audit trail')
    .addOption(jsonOption())
    .action((targets: string[], o: Options) => recoverAction(cli, targets, o));
}

// Each target in turn, its steps shown live (on stderr) and its result as it ends.
function recoverAction(cli: CliSession, targets: string[], o: Options): Promise<void> {
  return cli.withCore(
    async (deps) => {
      const json = o.json ?? false;
      const interrupt = onInterrupt(cli);
      let live: ReturnType<typeof liveProgress> | null = null;
      const results = await recoverMany(deps, targets, {
        interrupt: interrupt.signal,
        dryRun: o.dryRun ?? false,
        force: o.force ?? false,
        ...(o.from === 'template' ? { from: 'template' as const } : {}),
        ...(o.plan ? { plan: o.plan } : {}),
        reason: o.reason ?? null,
        actor: cli.ctx.actor,
        source: 'cli',
        onTarget: (target) => {
          if (json) return undefined;
          cli.io.err(`medic: recover ${target}${o.dryRun ? ' (dry run)' : ''}`);
          live = liveProgress(cli.io, target, deps.config);
          return live.onStep;
        },
        onResult: (result) => {
          live?.end();
          printResult(cli.io, result, json);
        },
      }).finally(() => {
        live?.end();
        interrupt.done();
      });
      return interrupt.signal.aborted ? EXIT.interrupted : exitCodeFor(results);
    },
    cli.unstartedResults(targets, 'recover', o.json),
  );
}

/** A plan digest as a dry run prints it; else a usage error naming the option, before anything runs. */
function planDigest(text: string): string {
  const plan = text.trim().toLowerCase();
  if (!/^sha256:[0-9a-f]{64}$/.test(plan))
    throw new InvalidArgumentError('not a plan digest (sha256:<64 hex>); copy it from the dry run');
  return plan;
}

/**
 * Ctrl-C (or SIGTERM) while recovering: the first asks the run to stop at a safe point (before
 * its first change it stops there; once it has stopped a container it finishes seed and start,
 * so no workspace is left stopped) and says so; the second exits at once.
 */
function onInterrupt(cli: CliSession): { readonly signal: AbortSignal; readonly done: () => void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
    cli.io.err(
      `medic: ${signal}: stopping at a safe point (a workspace being changed is finished first, never left stopped); ${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to exit now`,
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    done: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
