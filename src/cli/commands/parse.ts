// medic parse [--max-targets N]: what medic would do with a comment. Reads a comment body on
// stdin and prints, for each command line, in order, one JSON object a line: the command's
// fields, or its error (INVALID_COMMAND). Nothing for a comment with no command; exit 0 either
// way. The same parser the app and the action use (src/chatops/parse-commands.ts).
import type { Command } from 'commander';
import { type Parsed, parseCommands } from '../../chatops/parse-commands.js';
import { type CliSession, helpFooter, positiveInt } from '../context.js';
import { EXIT } from '../exit-codes.js';

export interface ParseIo {
  /** The comment body (the CLI: all of stdin). */
  readonly read: () => Promise<string>;
}

export function registerParse(program: Command, cli: CliSession, input: ParseIo): void {
  program
    .command('parse')
    .description('read a comment on stdin and print the commands medic finds in it, one JSON object per line')
    .addHelpText(
      'after',
      helpFooter(['echo \'/recover ws-92f6d88b-6a9 --reason="volume pruned"\' | medic parse'], []),
    )
    .option('--max-targets <n>', 'workspaces one command may name', positiveInt, 10)
    .action(async (o: { maxTargets: number }) => {
      for (const parsed of parseCommands(await input.read(), o.maxTargets))
        cli.io.out(JSON.stringify(view(parsed)));
      cli.code = EXIT.ok;
    });
}

function view(p: Parsed): Record<string, unknown> {
  if (!p.ok)
    return {
      line: p.lineNo,
      kind: p.word === 'medic' ? 'help' : p.word,
      error: { code: 'INVALID_COMMAND', message: p.error },
    };
  return { line: p.lineNo, ...p.command };
}
