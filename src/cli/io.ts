// Where the CLI writes: results on stdout, progress and messages on stderr, each line through
// the terminal's rules (terminal.ts).
import type { RecoveryResult, StepListener } from '../core/index.js';
import { resultLines, stepLine } from './render.js';
import { humanLog, render, wantsColor } from './terminal.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites one status line in place on a terminal; null ends it. Nothing when not a terminal. */
  status(line: string | null): void;
  /** Where log records go when they are for a person (a terminal); unset: pino's JSON on stderr. */
  readonly log?: { write(record: string): void };
}

export function processIo(env: Record<string, string | undefined>, argv: readonly string[]): Io {
  const outColor = wantsColor(process.stdout, env, argv);
  const errColor = wantsColor(process.stderr, env, argv);
  let statusShown = false;
  const endStatus = () => {
    if (statusShown) process.stderr.write('\r\x1b[K');
    statusShown = false;
  };
  return {
    out: (line) => {
      endStatus();
      process.stdout.write(`${render(line, outColor)}\n`);
    },
    err: (line) => {
      endStatus();
      process.stderr.write(`${render(line, errColor)}\n`);
    },
    // A log record ends the status line first, as any other line on stderr does.
    ...(process.stderr.isTTY
      ? {
          log: humanLog(errColor, (text) => {
            endStatus();
            process.stderr.write(text);
          }),
        }
      : {}),
    status: (line) => {
      if (!process.stderr.isTTY) return;
      if (line === null) return endStatus();
      process.stderr.write(`\r\x1b[K${render(line, errColor)}`);
      statusShown = true;
    },
  };
}

export function printResult(io: Io, result: RecoveryResult, json: boolean): void {
  if (json) io.out(JSON.stringify(result));
  else for (const line of resultLines(result)) io.out(line);
}

export function progressPrinter(io: Io): StepListener {
  return (step) => io.err(stepLine(step));
}
