// medic watch: heal automatically until SIGTERM. The watcher itself is loaded only when run.
import type { Command } from 'commander';
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

export function registerWatch(program: Command, cli: CliSession): void {
  program
    .command('watch')
    .description('heal automatically until SIGTERM: Docker events for ws-* containers plus a periodic sweep')
    .addHelpText(
      'after',
      helpFooter(
        ['medic watch --interval 30 --metrics-port 9464'],
        [
          ...RUN_ENV,
          'MEDIC_RETENTION',
          'MEDIC_INCIDENT_REPO',
          'MEDIC_GITHUB_TOKEN',
          'GITHUB_API_URL',
          'MEDIC_INCIDENT_LABEL',
        ],
      ),
    )
    .option('--interval <seconds>', 'seconds between sweeps of failed rows', positiveInt, 60)
    .addOption(concurrencyOption('recoveries at a time, fleet-wide'))
    .option('--metrics-port <port>', 'serve /metrics and /healthz on this port (0: off)', port, 9464)
    .option(
      '--metrics-host <host>',
      'the address /metrics and /healthz listen on (0.0.0.0 for a scraper elsewhere)',
      '127.0.0.1',
    )
    .addOption(logFormatOption())
    .action(
      async (o: {
        interval: number;
        concurrency?: number;
        metricsPort: number;
        metricsHost: string;
        logFormat?: string;
      }) =>
        cli.withCore(async (deps) => {
          const { runWatch } = await import('../../watch/run-watch.js');
          await runWatch(deps, {
            ...o,
            env: cli.ctx.env,
            say: (line) => cli.io.err(line),
            logFormat: logFormatOf(o.logFormat),
          });
          return EXIT.ok;
        }),
    );
}
