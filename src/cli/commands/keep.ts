// medic keep list|show|take <target>: a workspace's last good copies of its config volume
// ([keep]): what was kept and when, one copy's files, or a look now (a copy when the workspace
// is healthy, settled and changed since its last one).
import type { Command } from 'commander';
import { findWorkspace, type KeptCopy, listCopies, lookAndKeep, parseTarget } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

const copyLine = (c: KeptCopy) =>
  `  ${String(c.id).padStart(6)}  ${c.takenAt.toISOString()}  ${String(c.files).padStart(4)} files ${String(c.bytes).padStart(9)} B  by ${c.takenBy}  ${c.manifestDigest.slice(0, 19)}`;
const asJson = (c: KeptCopy) => ({ ...c, takenAt: c.takenAt.toISOString() });

export function registerKeep(program: Command, cli: CliSession): void {
  const keep = program
    .command('keep')
    .description(
      "a workspace's last good copies of its config volume, restored before the template when it breaks",
    )
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic keep list ws-92f6d88b-6a9',
          'medic keep show ws-92f6d88b-6a9 --json',
          'medic keep take ws-92f6d88b-6a9',
        ],
        [...CORE_ENV, 'MEDIC_KEEP_AFTER', 'MEDIC_KEEP_EVERY', 'MEDIC_KEEP_COPIES'],
      ),
    );
  registerKeepList(keep, cli);
  registerKeepShow(keep, cli);
  registerKeepTake(keep, cli);
}

function registerKeepList(keep: Command, cli: CliSession): void {
  keep
    .command('list')
    .description('the copies kept, newest first')
    .argument('<target>', 'ws-<id12> or a uuid')
    .addOption(jsonOption())
    .action(async (target: string, o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const ws = await findWorkspace(deps.db, parseTarget(target));
        const copies = await listCopies(deps.db, ws.id);
        if (o.json) for (const c of copies) cli.io.out(JSON.stringify(asJson(c)));
        else if (copies.length === 0) cli.io.out(`no last good copy of ws-${ws.id.slice(0, 12)} yet`);
        else for (const c of copies) cli.io.out(copyLine(c));
        return EXIT.ok;
      }),
    );
}

function registerKeepShow(keep: Command, cli: CliSession): void {
  keep
    .command('show')
    .description("one copy's files (the newest, or --copy ID)")
    .argument('<target>', 'ws-<id12> or a uuid')
    .option('--copy <id>', 'a copy id from medic keep list')
    .addOption(jsonOption())
    .action(async (target: string, o: { json?: boolean; copy?: string }) =>
      cli.withCore(async (deps) => {
        const ws = await findWorkspace(deps.db, parseTarget(target));
        const copies = await listCopies(deps.db, ws.id);
        const copy = o.copy === undefined ? copies[0] : copies.find((c) => String(c.id) === o.copy);
        if (!copy) {
          cli.io.err(
            `medic: no ${o.copy ? `copy ${o.copy}` : 'last good copy'} of ws-${ws.id.slice(0, 12)} (medic keep list)`,
          );
          return EXIT.failed;
        }
        if (o.json) cli.io.out(JSON.stringify(asJson(copy)));
        else {
          cli.io.out(copyLine(copy));
          for (const m of copy.manifest) cli.io.out(`    ${m.path}  ${m.size} B  ${m.digest.slice(0, 19)}`);
        }
        return EXIT.ok;
      }),
    );
}

function registerKeepTake(keep: Command, cli: CliSession): void {
  keep
    .command('take')
    .description(
      'look now: keep a copy if it is healthy, settled (MEDIC_KEEP_AFTER) and changed since its last',
    )
    .argument('<target>', 'ws-<id12> or a uuid')
    .addOption(jsonOption())
    .action(async (target: string, o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const ws = await findWorkspace(deps.db, parseTarget(target));
        const look = await lookAndKeep(deps, ws.id, cli.ctx.actor);
        if (o.json) cli.io.out(JSON.stringify({ ...look, copy: look.copy && asJson(look.copy) }));
        else
          cli.io.out(
            `ws-${ws.id.slice(0, 12)}: ${look.outcome} (${look.why})${look.copy ? `\n${copyLine(look.copy)}` : ''}`,
          );
        return look.outcome === 'stored' || look.outcome === 'unchanged' ? EXIT.ok : EXIT.failed;
      }),
    );
}
