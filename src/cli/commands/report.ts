// medic report [--since 7d] [--json|--markdown]: how medic did (docs/signal.md).
import type { Command } from 'commander';
import { report } from '../../core/index.js';
import { reportMarkdown, reportText } from '../../markdown/render-report.js';
import { type CliSession, CORE_ENV, duration, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerReport(program: Command, cli: CliSession): void {
  program
    .command('report')
    .description(
      'recoveries by source and outcome, time to recover p50/p95/max, regressions, the workspaces that broke most, restart budgets exhausted',
    )
    .option(
      '--since <age>',
      'how far back (default 7d)',
      duration('7d, 24h or 90m', { positive: true }),
      7 * 24 * 3600 * 1000,
    )
    .addOption(jsonOption())
    .option('--markdown', 'Markdown, to paste into an issue')
    .addHelpText(
      'after',
      helpFooter(['medic report', 'medic report --since 30d --markdown | pbcopy'], CORE_ENV),
    )
    .action(async (o: { since: number; json?: boolean; markdown?: boolean }) =>
      cli.withCore(async (deps) => {
        const r = await report(deps.db, o.since);
        if (o.json) cli.io.out(JSON.stringify(r));
        else if (o.markdown) cli.io.out(reportMarkdown(r));
        else for (const line of reportText(r)) cli.io.out(line);
        return EXIT.ok;
      }),
    );
}
