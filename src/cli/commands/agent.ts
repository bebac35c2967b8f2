// medic agent --engine NAME: serve one Docker host for the fleet until SIGTERM. Loaded only when run.
import { type Command, InvalidArgumentError } from 'commander';
import {
  type CliSession,
  concurrencyOption,
  helpFooter,
  logFormatOf,
  logFormatOption,
  port,
  positiveInt,
  RUN_ENV,
} from '../context.js';
import { EXIT } from '../exit-codes.js';

const ENGINE_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/i;

function engineName(value: string): string {
  if (!ENGINE_NAME.test(value))
    throw new InvalidArgumentError('must be 1-63 letters, digits, dots, dashes or underscores');
  return value;
}

export function registerAgent(program: Command, cli: CliSession): void {
  program
    .command('agent')
    .description(
      "serve one Docker host for the fleet until SIGTERM: heartbeat, record where ws-* containers live, run the app's tasks for this engine, heal it",
    )
    .addHelpText(
      'after',
      helpFooter(
        [
          'DOCKER_HOST=unix:///var/run/docker.sock DATABASE_URL=postgres://… medic agent --engine host-a',
          'medic agent --engine host-b --concurrency 8 --metrics-port 0',
        ],
        [
          ...RUN_ENV,
          'MEDIC_AGENT_POLL_MS',
          'MEDIC_TASK_STALE_S',
          'MEDIC_RETENTION',
          'MEDIC_INCIDENT_REPO',
          'MEDIC_GITHUB_TOKEN',
          'GITHUB_API_URL',
          'MEDIC_INCIDENT_LABEL',
        ],
      ),
    )
    .requiredOption(
      '--engine <name>',
      'the name of this Docker host in the fleet (what `medic status` shows)',
      engineName,
    )
    .addOption(concurrencyOption('tasks and healings at a time'))
    .option(
      '--interval <seconds>',
      'seconds between sweeps of failed rows and full listings of containers',
      positiveInt,
      60,
    )
    .option('--metrics-port <port>', 'serve /metrics and /healthz on this port (0: off)', port, 9464)
    .option(
      '--metrics-host <host>',
      'the address /metrics and /healthz listen on (0.0.0.0 for a scraper elsewhere)',
      '127.0.0.1',
    )
    .addOption(logFormatOption())
    .option('--no-heal', "do not heal on its own (run only the app's tasks and keep placements)")
    .action((o: AgentFlags) => agentAction(cli, o));
}

interface AgentFlags {
  readonly engine: string;
  readonly concurrency?: number;
  readonly interval: number;
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly heal: boolean;
  readonly logFormat?: string;
}

async function agentAction(cli: CliSession, o: AgentFlags): Promise<void> {
  const { agentSettings, runAgent } = await import('../../agent/run-agent.js');
  let settings: ReturnType<typeof agentSettings>;
  try {
    settings = agentSettings(cli.ctx.env);
  } catch (error) {
    cli.report(error);
    return;
  }
  await cli.withCore(async (deps) => {
    await runAgent(deps, {
      ...o,
      settings,
      env: cli.ctx.env,
      say: (line) => cli.io.err(line),
      logFormat: logFormatOf(o.logFormat),
    });
    return EXIT.ok;
  });
}
