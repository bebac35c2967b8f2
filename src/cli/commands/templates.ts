// medic templates [--json]: the runtime templates under CONFIGS_DIR, checked as a recovery
// would check them, with their digests. Exit 1 when one is not valid.
import type { Command } from 'commander';
import { templates } from '../../core/index.js';
import { type CliSession, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerTemplates(program: Command, cli: CliSession): void {
  program
    .command('templates')
    .description(
      'list the runtime templates under CONFIGS_DIR with their digests, checked as a recovery reads them',
    )
    .addHelpText(
      'after',
      helpFooter(
        ['medic templates', 'CONFIGS_DIR=/etc/platform/configs medic templates --json'],
        ['CONFIGS_DIR', 'MEDIC_TEMPLATE_MAX_BYTES'],
      ),
    )
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const reports = await templates(deps.templates, deps.config);
        for (const r of reports) {
          if (o.json) cli.io.out(JSON.stringify(r));
          else if (r.valid)
            cli.io.out(
              `✓ ${r.name.padEnd(24)} ${r.runtime.padEnd(14)} ${r.files} files ${r.bytes} bytes ${r.digest}`,
            );
          else
            cli.io.out(
              `${r.problem?.code === 'SHADOWED' ? '-' : '✗'} ${r.name.padEnd(24)} ${r.runtime.padEnd(14)} ${r.problem?.code}: ${r.problem?.message}`,
            );
        }
        return reports.some((r) => !r.valid && r.problem?.code !== 'SHADOWED') ? EXIT.failed : EXIT.ok;
      }),
    );
}
