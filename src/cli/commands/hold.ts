// medic hold <target>... --for 2h --reason TEXT (or --all / --engine NAME: a maintenance
// window for the automatic paths), medic release <target>... (or --all / --engine NAME), and
// medic holds [--json]: the live holds, and those that ended in the last day.
import type { Command } from 'commander';
import {
  type CoreDeps,
  describeHold,
  type Hold,
  type HoldSubject,
  hold,
  holdSubject,
  InvalidConfigError,
  listHolds,
  release,
} from '../../core/index.js';
import { type CliSession, CORE_ENV, duration, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

interface SubjectFlags {
  readonly all?: boolean;
  readonly engine?: string;
}

function subjectOf(targets: string[], o: SubjectFlags, verb: string): HoldSubject {
  const given = [targets.length > 0, o.all === true, o.engine !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw new InvalidConfigError(`${verb} needs workspaces, or --all, or --engine NAME (one of them)`, {
      hint: `medic ${verb} ws-92f6d88b-6a9 …, medic ${verb} --all, medic ${verb} --engine host-a`,
    });
  }
  if (o.all) return { all: true };
  if (o.engine !== undefined) return { engine: o.engine };
  return { targets };
}

const line = (h: Hold) =>
  `${holdSubject(h)}: ${describeHold(h)}${h.endedAt ? ` (ended ${h.endedAt.toISOString()} by ${h.endedBy}: ${h.endNote})` : ''}`;

export function registerHold(program: Command, cli: CliSession): void {
  holdCommand(program, cli);
  releaseCommand(program, cli);
  holdsCommand(program, cli);
}

function holdCommand(program: Command, cli: CliSession): void {
  program
    .command('hold')
    .description(
      'keep medic off workspaces until --for runs out or `medic release`: the watcher, the agents and sweep leave them alone, and recover/rollback are refused WORKSPACE_HELD unless --force (which ends the hold); --all or --engine hold the automatic paths only (a maintenance window)',
    )
    .argument('[targets...]', 'ws-<id12> or uuids')
    .requiredOption('--for <duration>', 'how long, e.g. 2h (at most 7d)', duration('2h, 30m, 1d or 45s'))
    .requiredOption('--reason <text>', 'why: shown to everyone the hold turns away')
    .option('--all', 'every workspace, for the automatic paths only')
    .option('--engine <name>', "one engine's workspaces, for the automatic paths only")
    .addOption(jsonOption())
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic hold ws-92f6d88b-6a9 --for 2h --reason "rebuilding its volume by hand"',
          'medic hold --all --for 30m --reason "Postgres upgrade"',
          'medic hold --engine host-b --for 1h --reason "kernel update"',
        ],
        CORE_ENV,
      ),
    )
    .action(async (targets: string[], o: SubjectFlags & { for: number; reason: string; json?: boolean }) =>
      cli.withCore(async (deps: CoreDeps) => {
        const placed = await hold(deps, subjectOf(targets, o, 'hold'), {
          actor: cli.ctx.actor,
          source: 'cli',
          reason: o.reason,
          forMs: o.for,
        });
        for (const h of placed) o.json ? cli.io.out(JSON.stringify(h)) : cli.io.out(line(h));
        return EXIT.ok;
      }),
    );
}

function releaseCommand(program: Command, cli: CliSession): void {
  program
    .command('release')
    .description('end holds before their time: of workspaces, or --all / --engine NAME')
    .argument('[targets...]', 'ws-<id12> or uuids')
    .option('--all', 'the fleet-wide hold')
    .option('--engine <name>', "an engine's hold")
    .addOption(jsonOption())
    .addHelpText(
      'after',
      helpFooter(
        ['medic release ws-92f6d88b-6a9', 'medic release --all', 'medic release --engine host-b'],
        CORE_ENV,
      ),
    )
    .action(async (targets: string[], o: SubjectFlags & { json?: boolean }) =>
      cli.withCore(async (deps: CoreDeps) => {
        const ended = await release(deps, subjectOf(targets, o, 'release'), {
          actor: cli.ctx.actor,
          source: 'cli',
        });
        if (ended.length === 0) cli.io.err('medic: no live hold matched; nothing released');
        for (const h of ended) o.json ? cli.io.out(JSON.stringify(h)) : cli.io.out(line(h));
        return EXIT.ok;
      }),
    );
}

function holdsCommand(program: Command, cli: CliSession): void {
  program
    .command('holds')
    .description('list the live holds, and those that ended in the last day')
    .addOption(jsonOption())
    .addHelpText('after', helpFooter(['medic holds', 'medic holds --json | jq .holder'], CORE_ENV))
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps: CoreDeps) => {
        const all = await listHolds(deps.db, { endedWithinMs: 24 * 3600 * 1000 });
        if (all.length === 0 && !o.json) cli.io.err('medic: no holds');
        for (const h of all) o.json ? cli.io.out(JSON.stringify(h)) : cli.io.out(line(h));
        return EXIT.ok;
      }),
    );
}
