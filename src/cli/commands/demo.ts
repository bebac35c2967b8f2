// medic demo: break a workspace on the local engine and recover it. Loaded only when run.
import type { Command } from 'commander';
import { type CliSession, helpFooter } from '../context.js';

export function registerDemo(program: Command, cli: CliSession): void {
  program
    .command('demo')
    .description(
      'break a workspace on the local Docker engine (empty config volume, status failed) and recover it',
    )
    .addHelpText('after', helpFooter(['medic demo'], ['DOCKER_HOST', 'MEDIC_DATA_DIR']))
    .action(async () =>
      cli.withCore(async (deps) => (await import('../run-demo.js')).runDemo(deps, cli.io, cli.ctx.actor)),
    );
}
