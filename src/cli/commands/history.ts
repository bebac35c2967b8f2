// medic history <target>: a workspace's runs, newest first, with every step of each; refused
// commands (anyone on GitHub can be refused, many times) after the runs that did something.
import type { Command } from 'commander';
import { findWorkspace, history, holdsOf, parseTarget } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { historyLines } from '../render.js';

export function registerHistory(program: Command, cli: CliSession): void {
  program
    .command('history')
    .description(
      "list a workspace's runs, newest first (refused commands after the rest), with every step of each",
    )
    .addHelpText(
      'after',
      helpFooter(
        ['medic history ws-92f6d88b-6a9', 'medic history ws-92f6d88b-6a9 --json | jq .outcome'],
        CORE_ENV,
      ),
    )
    .argument('<target>', 'ws-<id12> or a uuid')
    .addOption(jsonOption())
    .action(async (target: string, o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const entries = await history(deps, target);
        if (o.json) for (const e of entries) cli.io.out(JSON.stringify(e));
        else for (const line of historyLines(entries)) cli.io.out(line);
        // Holds are on the record too (`medic holds --json` has them as JSON).
        const id = (await findWorkspace(deps.db, parseTarget(target))).id;
        const holds = o.json ? [] : await holdsOf(deps.db, id);
        if (holds.length > 0) cli.io.out('holds');
        for (const h of holds) {
          const end = h.endedAt
            ? `ended ${h.endedAt.toISOString()} by ${h.endedBy}: ${h.endNote}`
            : h.until.getTime() <= deps.clock.now().getTime()
              ? 'ran out'
              : 'live';
          cli.io.out(
            `  ${h.createdAt.toISOString()}  by ${h.holder} via ${h.source} until ${h.until.toISOString()}: ${h.reason} (${end})`,
          );
        }
        return EXIT.ok;
      }),
    );
}
