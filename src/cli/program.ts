// The `medic` command line (commander): one file per subcommand under commands/; this file
// only assembles them, parses argv and returns the exit code. Results go to stdout (JSON
// lines with --json), everything else to stderr.
import { Command, CommanderError } from 'commander';
import { registerAgent } from './commands/agent.js';
import { registerAudit } from './commands/audit.js';
import { registerBreaker } from './commands/breaker.js';
import { registerChores } from './commands/chores.js';
import { registerCompletion } from './commands/completion.js';
import { registerDemo } from './commands/demo.js';
import { registerDiagnose } from './commands/diagnose.js';
import { registerDoctor } from './commands/doctor.js';
import { registerHistory } from './commands/history.js';
import { registerHold } from './commands/hold.js';
import { registerKeep } from './commands/keep.js';
import { registerKeys } from './commands/keys.js';
import { registerMigrate } from './commands/migrate.js';
import { registerNotify } from './commands/notify.js';
import { registerParse } from './commands/parse.js';
import { registerPolicy } from './commands/policy.js';
import { registerPrune } from './commands/prune.js';
import { registerRecover } from './commands/recover.js';
import { registerReport } from './commands/report.js';
import { registerRollback } from './commands/rollback.js';
import { registerServe } from './commands/serve.js';
import { registerStatus } from './commands/status.js';
import { registerSweep } from './commands/sweep.js';
import { registerTemplates } from './commands/templates.js';
import { registerToken } from './commands/token.js';
import { registerWatch } from './commands/watch.js';
import { type CliContext, CliSession, CORE_ENV, helpFooter } from './context.js';
import { EXIT } from './exit-codes.js';

export type { CliContext } from './context.js';

const COMMANDS = [
  registerRecover,
  registerDiagnose,
  registerHistory,
  registerAudit,
  registerRollback,
  registerKeep,
  registerKeys,
  registerSweep,
  registerHold,
  registerBreaker,
  registerWatch,
  registerAgent,
  registerStatus,
  registerReport,
  registerPolicy,
  registerNotify,
  registerToken,
  registerPrune,
  registerChores,
  registerTemplates,
  registerDoctor,
  registerServe,
  registerMigrate,
  registerDemo,
];

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const cli = new CliSession(ctx);
  const program = new Command('medic')
    .description('Recover agent workspaces whose config volume went empty, safely and with an audit trail.')
    .version(ctx.version ?? 'unknown', '-V, --version', 'print the version')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR does the same)')
    .showHelpAfterError('(run medic --help for usage)')
    .addHelpText(
      'after',
      `${helpFooter(
        [
          'medic demo',
          'medic recover ws-92f6d88b-6a9 --dry-run',
          'medic watch --log-format human',
          'medic doctor',
        ],
        CORE_ENV,
      )}\nEach command's own examples: medic <command> --help; docs/cli.md explains them.`,
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s.trimEnd()), writeErr: (s) => ctx.io.err(s.trimEnd()) });
  for (const register of COMMANDS) register(program, cli);
  registerParse(program, cli, { read: ctx.stdin ?? (async () => '') });
  // Last, so that it completes every command above.
  registerCompletion(program, cli);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return cli.code;
}
