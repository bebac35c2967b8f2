// medic diagnose <target>...: each workspace's row, container, config volume and marker.
import type { Command } from 'commander';
import { diagnoseTarget } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { diagnosisLines, diagnosisView } from '../render.js';

export function registerDiagnose(program: Command, cli: CliSession): void {
  program
    .command('diagnose')
    .description(
      "show each workspace's row, container, config volume and .provisioned marker; changes nothing",
    )
    .addHelpText(
      'after',
      helpFooter(
        ['medic diagnose ws-92f6d88b-6a9', 'medic diagnose ws-92f6d88b-6a9 ws-aaaaaaaa-bbb --json'],
        [...CORE_ENV, 'DOCKER_HOST'],
      ),
    )
    .argument('<target...>', 'ws-<id12> or a uuid')
    .addOption(jsonOption())
    .action(async (targets: string[], o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        for (const target of targets) {
          const view = diagnosisView(target, await diagnoseTarget(deps, target));
          if (o.json) cli.io.out(JSON.stringify(view));
          else for (const line of diagnosisLines(view)) cli.io.out(line);
        }
        return EXIT.ok;
      }),
    );
}
