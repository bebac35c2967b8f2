// medic keys [list|rotate]: what snapshots and last good copies are sealed under at rest, and
// sealing them all under MEDIC_DATA_KEY's first key ([keep]; docs/security.md, "At rest").
import type { Command } from 'commander';
import { type KeyCount, keyInventory, rotateKeys } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

const countLine = (c: KeyCount, current: string | null) =>
  `  ${c.table.padEnd(10)}  ${(c.keyId ?? 'plaintext').padEnd(17)}  ${String(c.rows).padStart(7)} rows ${String(c.bytes).padStart(12)} B${c.keyId !== null && c.keyId === current ? '  (current)' : ''}`;

export function registerKeys(program: Command, cli: CliSession): void {
  const keys = program
    .command('keys')
    .description('what snapshots and last good copies are encrypted under at rest (MEDIC_DATA_KEY)')
    .addHelpText(
      'after',
      helpFooter(
        ['medic keys list', 'MEDIC_DATA_KEY="$NEW,$OLD" medic keys rotate'],
        [...CORE_ENV, 'MEDIC_DATA_KEY'],
      ),
    );
  keys
    .command('list', { isDefault: true })
    .description('rows and bytes per key id (plaintext: none), and the current key')
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const counts = await keyInventory(deps.db);
        const current = deps.config.dataKeys?.currentId ?? null;
        if (o.json) cli.io.out(JSON.stringify({ current, counts }));
        else {
          cli.io.out(
            `current key: ${current ?? 'none (MEDIC_DATA_KEY unset: new snapshots and copies are plaintext)'}`,
          );
          for (const c of counts) cli.io.out(countLine(c, current));
        }
        return EXIT.ok;
      }),
    );
  keys
    .command('rotate')
    .description(
      "seal every snapshot and blob not under MEDIC_DATA_KEY's first key (plaintext ones too) under it; older keys are given after it (new,old) and may be dropped once it is done",
    )
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const report = await rotateKeys(deps, (done) => cli.io.status(`keys rotate: ${done} sealed again`));
        cli.io.status(null);
        if (o.json) cli.io.out(JSON.stringify(report));
        else {
          cli.io.out(`sealed ${report.moved} rows again under ${report.keyId}`);
          if (report.altered > 0)
            cli.io.err(
              `medic: ${report.altered} rows do not open to their digest and were left as they were (medic audit verify names the snapshots)`,
            );
          if (report.missingKeys.length > 0)
            cli.io.err(
              `medic: rows under ${report.missingKeys.join(', ')} were left: MEDIC_DATA_KEY does not hold those keys (give them after the current one)`,
            );
        }
        return report.altered > 0 || report.missingKeys.length > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}
