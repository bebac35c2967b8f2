// The `medic` command line (commander): parses argv, opens the core, runs one command and
// returns its exit code. Results go to stdout (JSON lines with --json), everything else to stderr.
// `watch` and `demo` are loaded only when run: a plain `recover` should not pay for them.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createLogger, type OpenCoreOptions, openCore } from '../bootstrap/open-core.js';
import { diagnoseTarget } from '../core/commands/diagnose-target.js';
import { recover } from '../core/commands/recover.js';
import { rollback } from '../core/commands/rollback.js';
import { sweep } from '../core/commands/sweep.js';
import type { CoreDeps } from '../core/model/deps.js';
import { asMedicError, INPUT_ERROR_CODES, type MedicError } from '../core/model/errors.js';
import { parseTarget } from '../core/model/names.js';
import type { RecoveryResult } from '../core/model/result.js';
import { unstartedResult } from '../core/run/result-draft.js';
import { workspaceHistory } from '../core/store/audit-store.js';
import { findWorkspace } from '../core/store/workspace-store.js';
import { migrate } from '../db/migrations.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { type Io, printResult, progressPrinter } from './io.js';
import { diagnosisLines, diagnosisView, historyLines } from './render.js';

export interface CliContext {
  readonly env: Record<string, string | undefined>;
  readonly packageRoot: string;
  readonly io: Io;
  readonly actor: string;
}

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let code: number = EXIT.ok;
  // `unstarted`: what a command that promises results prints when the core cannot be opened.
  const withCore = async (
    fn: (deps: CoreDeps) => Promise<number>,
    unstarted?: (error: MedicError) => void,
  ): Promise<void> => {
    const options: OpenCoreOptions = {
      env: ctx.env,
      packageRoot: ctx.packageRoot,
      logger: createLogger({ LOG_LEVEL: 'warn', ...ctx.env }),
    };
    let deps: CoreDeps | undefined;
    try {
      deps = await openCore(options);
      code = await fn(deps);
    } catch (error) {
      const e = asMedicError(error);
      ctx.io.err(`medic: ${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
      code = INPUT_ERROR_CODES.has(e.code) ? EXIT.usage : EXIT.failed;
      if (!deps) unstarted?.(e);
    } finally {
      await deps?.db.close().catch(() => undefined);
    }
  };
  const json = new Option('--json', 'print only JSON objects on stdout, one per line');
  // With --json, one result per target even when no run could begin, so that a script reading
  // stdout sees the failure and its code (the message and hint are on stderr either way).
  const unstartedResults =
    (inputs: readonly string[], command: RecoveryResult['command'], asJson: boolean | undefined) =>
    (error: MedicError) => {
      if (!asJson) return;
      for (const input of inputs)
        printResult(
          ctx.io,
          unstartedResult(command, input, { actor: ctx.actor, source: 'cli' }, error, new Date()),
          true,
        );
    };

  const program = new Command('medic')
    .description('Recover agent workspaces whose config volume went empty, safely and with an audit trail.')
    .showHelpAfterError('(run medic --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });

  program
    .command('recover')
    .description(
      'recover workspaces: reseed an empty config volume from the runtime template, start, mark online',
    )
    .argument('<target...>', 'ws-<first 12 chars of the uuid> or a full uuid')
    .option('--dry-run', 'plan only: say what would be done, change nothing')
    .option(
      '--force',
      'reseed even a healthy workspace (the volume is snapshotted first), and override the restart budget',
    )
    .option('--reason <text>', 'why, for the audit trail')
    .addOption(json)
    .action(
      async (targets: string[], o: { dryRun?: boolean; force?: boolean; reason?: string; json?: boolean }) =>
        withCore(
          async (deps) => {
            const results: RecoveryResult[] = [];
            for (const target of targets) {
              if (!o.json) ctx.io.err(`medic: recover ${target}${o.dryRun ? ' (dry run)' : ''}`);
              const result = await recover(deps, target, {
                dryRun: o.dryRun ?? false,
                force: o.force ?? false,
                reason: o.reason ?? null,
                actor: ctx.actor,
                source: 'cli',
                onStep: o.json ? undefined : progressPrinter(ctx.io),
              });
              printResult(ctx.io, result, o.json ?? false);
              results.push(result);
            }
            return exitCodeFor(results);
          },
          unstartedResults(targets, 'recover', o.json),
        ),
    );

  program
    .command('diagnose')
    .description(
      "show each workspace's row, container, config volume and .provisioned marker; changes nothing",
    )
    .argument('<target...>', 'ws-<id12> or a uuid')
    .addOption(json)
    .action(async (targets: string[], o: { json?: boolean }) =>
      withCore(async (deps) => {
        for (const target of targets) {
          const view = diagnosisView(target, await diagnoseTarget(deps, target));
          if (o.json) ctx.io.out(JSON.stringify(view));
          else for (const line of diagnosisLines(view)) ctx.io.out(line);
        }
        return EXIT.ok;
      }),
    );

  program
    .command('history')
    .description("list a workspace's runs, newest first, with every step of each")
    .argument('<target>', 'ws-<id12> or a uuid')
    .addOption(json)
    .action(async (target: string, o: { json?: boolean }) =>
      withCore(async (deps) => {
        const workspace = await findWorkspace(deps.db, parseTarget(target));
        const entries = await workspaceHistory(deps.db, workspace.id);
        if (o.json) for (const e of entries) ctx.io.out(JSON.stringify(e));
        else for (const line of historyLines(entries)) ctx.io.out(line);
        return EXIT.ok;
      }),
    );

  program
    .command('rollback')
    .description('restore the volume content that a run snapshotted before it seeded')
    .argument('<runId>', 'the run id printed by recover (or shown by history)')
    .addOption(json)
    .action(async (runId: string, o: { json?: boolean }) =>
      withCore(
        async (deps) => {
          const result = await rollback(deps, runId, {
            actor: ctx.actor,
            source: 'cli',
            onStep: o.json ? undefined : progressPrinter(ctx.io),
          });
          printResult(ctx.io, result, o.json ?? false);
          return exitCodeFor([result]);
        },
        unstartedResults([runId], 'rollback', o.json),
      ),
    );

  program
    .command('sweep')
    .description('recover every workspace whose status is failed and whose config volume lacks config.yaml')
    .option('--dry-run', 'plan only')
    .option('--concurrency <n>', 'recoveries at a time', positiveInt, 4)
    .option('--max <n>', 'recover at most this many', positiveInt, 50)
    .addOption(json)
    .action(async (o: { dryRun?: boolean; concurrency: number; max: number; json?: boolean }) =>
      withCore(async (deps) => {
        if (!o.json)
          ctx.io.err(
            `medic: sweep: recovering failed workspaces whose config volume lacks config.yaml (at most ${o.max}, ${o.concurrency} at a time)${o.dryRun ? ' (dry run)' : ''}`,
          );
        // Each result is printed as its recovery finishes, not after the whole fleet.
        const report = await sweep(deps, {
          dryRun: o.dryRun ?? false,
          actor: ctx.actor,
          source: 'cli',
          concurrency: o.concurrency,
          max: o.max,
          onResult: (result) => printResult(ctx.io, result, o.json ?? false),
        });
        if (!o.json)
          ctx.io.err(
            `medic: sweep: ${report.results.length} recovered or planned, ${report.skipped.length} failed rows left alone`,
          );
        return exitCodeFor(report.results);
      }),
    );

  program
    .command('watch')
    .description('heal automatically until SIGTERM: Docker events for ws-* containers plus a periodic sweep')
    .option('--interval <seconds>', 'seconds between sweeps of failed rows', positiveInt, 60)
    .option('--concurrency <n>', 'recoveries at a time, fleet-wide', positiveInt, 4)
    .option('--metrics-port <port>', 'serve /metrics and /healthz on this port (0: off)', port, 9464)
    .action(async (o: { interval: number; concurrency: number; metricsPort: number }) =>
      withCore(async (deps) =>
        (await import('./commands/watch.js')).runWatch(deps, { ...o, env: ctx.env, io: ctx.io }),
      ),
    );

  program
    .command('migrate')
    .description("create or update medic's tables (schema medic); a workspaces table only where none exists")
    .action(async () =>
      withCore(async (deps) => {
        const report = await migrate(deps.db);
        ctx.io.out(`schema medic at version ${report.to}`);
        return EXIT.ok;
      }),
    );

  program
    .command('demo')
    .description(
      'break a workspace on the local Docker engine (empty config volume, status failed) and recover it',
    )
    .action(async () =>
      withCore(async (deps) => (await import('./commands/demo.js')).runDemo(deps, ctx.io, ctx.actor)),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return code;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0: off)');
  return n;
}
