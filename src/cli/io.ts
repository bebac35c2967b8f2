// Where the CLI writes: results on stdout, progress and messages on stderr.
import type { RecoveryResult, StepListener } from '../core/index.js';
import { resultLines, stepLine } from './render.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function printResult(io: Io, result: RecoveryResult, json: boolean): void {
  if (json) io.out(JSON.stringify(result));
  else for (const line of resultLines(result)) io.out(line);
}

export function progressPrinter(io: Io): StepListener {
  return (step) => io.err(stepLine(step));
}
