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

/** What a run does after each step (the core's order), for the live line. */
const NEXT: Readonly<Record<string, (t: string, o: LiveTimeouts) => string>> = {
  '': () => 'taking the lease',
  lease: (t) => `diagnosing ${t}`,
  diagnose: () => 'checking the restart budget',
  budget: () => 'reading the template',
  template: (t, o) => `stopping ${t} (grace ${o.stopTimeoutS} s)`,
  stop: () => 'keeping what the volume held',
  snapshot: () => 'seeding the template',
  seed: (t) => `starting ${t}`,
  start: (t, o) => `waiting for ${t} to run (up to ${o.startTimeoutS} s)`,
  wait: () => 'marking it online',
};

interface LiveTimeouts {
  readonly stopTimeoutS: number;
  readonly startTimeoutS: number;
}

/**
 * The steps as they end, and on a terminal a live line for a step that takes longer than a
 * second ("stopping ws-… (grace 10 s) 4 s"), rewritten every second; `end` clears it.
 */
export function liveProgress(
  io: Io,
  target: string,
  o: LiveTimeouts,
): { readonly onStep: StepListener; readonly end: () => void } {
  let last = '';
  let since = performance.now();
  const timer = setInterval(() => {
    const s = Math.floor((performance.now() - since) / 1000);
    if (s < 1) return;
    const doing = NEXT[last]?.(target, o) ?? `working on ${target} (after ${last})`;
    io.status(`  … ${doing} ${s} s`);
  }, 1000);
  timer.unref();
  return {
    onStep: (step) => {
      io.err(stepLine(step));
      last = step.name;
      since = performance.now();
    },
    end: () => {
      clearInterval(timer);
      io.status(null);
    },
  };
}
