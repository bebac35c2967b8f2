// medic audit verify [--since 30d] [--head SEQ:CHAIN] | medic audit export [--since 30d]:
// the trail's seals walked, and written out for a SIEM with the chain's head (docs/security.md).
import { type Command, InvalidArgumentError, Option } from 'commander';
import { exportTrail, type TrailHead, verifyTrail } from '../../core/index.js';
import { type CliSession, CORE_ENV, duration, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

function headOption(value: string): TrailHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value.trim());
  if (!m)
    throw new InvalidArgumentError(
      'give the head as SEQ:CHAIN, as the last line of `medic audit export` has it',
    );
  return { seq: Number(m[1]), chain: m[2]! };
}

const sinceOption = () =>
  new Option(
    '--since <age>',
    'only the runs sealed in this window, e.g. 30d (default: the whole trail)',
  ).argParser(duration('30d, 24h or 90m', { positive: true }));

export function registerAudit(program: Command, cli: CliSession): void {
  const audit = program
    .command('audit')
    .description(
      "the audit trail's seals: verify that no run was changed, deleted or written outside medic, or export them",
    )
    .addHelpText(
      'after',
      helpFooter(
        ['medic audit verify', 'medic audit export > trail.jsonl', 'medic audit verify --head 1041:<chain>'],
        CORE_ENV,
      ),
    );
  registerVerify(audit, cli);
  registerExport(audit, cli);
}

function registerVerify(audit: Command, cli: CliSession): void {
  audit
    .command('verify')
    .description(
      'walk the chain of seals; name the first run changed, deleted or never sealed (exit 1 when one is found)',
    )
    .addOption(sinceOption())
    .option(
      '--head <seq:chain>',
      'a head kept outside (from `medic audit export`): the chain must still pass through it',
      headOption,
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic audit verify',
          'medic audit verify --since 7d',
          'medic audit verify --head 1041:9f2c…(64 hex)',
        ],
        CORE_ENV,
      ),
    )
    .action(async (o: { since?: number; head?: TrailHead; json?: boolean }) =>
      cli.withCore(async (deps) => {
        const report = await verifyTrail(deps, {
          ...(o.since !== undefined ? { since: new Date(deps.clock.now().getTime() - o.since) } : {}),
          ...(o.head ? { head: o.head } : {}),
        });
        if (o.json) cli.io.out(JSON.stringify(report));
        else printVerified(cli, report);
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}

function printVerified(cli: CliSession, report: Awaited<ReturnType<typeof verifyTrail>>): void {
  if (report.ok) {
    const head = report.head ? `; head ${report.head.seq}:${report.head.chain}` : '';
    cli.io.out(`trail intact: ${report.sealed} sealed runs verified${head}`);
    return;
  }
  const first = report.problems[0]!;
  cli.io.err(`trail altered: ${first.runId ? `run ${first.runId}` : `seal ${first.seq}`}: ${first.what}`);
  for (const p of report.problems.slice(1)) {
    cli.io.err(`  also ${p.runId ? `run ${p.runId}` : `seal ${p.seq}`}: ${p.what}`);
  }
  cli.io.err(
    '  hint: compare with an export kept outside (medic audit export); the runs named were altered directly in the database',
  );
}

function registerExport(audit: Command, cli: CliSession): void {
  audit
    .command('export')
    .description(
      "write the sealed records as JSON lines, the chain's head last (keep it outside to prove the trail later)",
    )
    .addOption(sinceOption())
    .addOption(new Option('--format <format>', 'the output format').choices(['jsonl']).default('jsonl'))
    .addHelpText(
      'after',
      helpFooter(
        ['medic audit export > trail.jsonl', 'medic audit export --since 1d | your-siem-shipper'],
        CORE_ENV,
      ),
    )
    .action(async (o: { since?: number }) =>
      cli.withCore(async (deps) => {
        const head = await exportTrail(deps, (record) => cli.io.out(JSON.stringify(record)), {
          ...(o.since !== undefined ? { since: new Date(deps.clock.now().getTime() - o.since) } : {}),
        });
        if (head)
          cli.io.err(
            `exported through seal ${head.seq}; keep the head to verify later: --head ${head.seq}:${head.chain}`,
          );
        return EXIT.ok;
      }),
    );
}
