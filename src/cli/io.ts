// Where the CLI writes: results on stdout, progress and messages on stderr.
import { type RecoveryResult, type StepListener, stripControl } from '../core/index.js';
import { resultLines, stepLine } from './render.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

// Nothing that came from outside (a reason, a runtime name, an engine's message) may drive
// the terminal: control characters are dropped from every line (JSON lines have none).
export const processIo: Io = {
  out: (line) => process.stdout.write(`${stripControl(line, true)}\n`),
  err: (line) => process.stderr.write(`${stripControl(line, true)}\n`),
};

export function printResult(io: Io, result: RecoveryResult, json: boolean): void {
  if (json) io.out(JSON.stringify(result));
  else for (const line of resultLines(result)) io.out(line);
}

export function progressPrinter(io: Io): StepListener {
  return (step) => io.err(stepLine(step));
}
