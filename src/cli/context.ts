// What every subcommand of the CLI is given: the process's env, output and actor, and
// `withCore`, which opens the core, runs the command, reports an error with its code and hint,
// and sets the exit code. One object, so a command file needs no other wiring.
import { InvalidArgumentError, Option } from 'commander';
import {
  asMedicError,
  type CoreDeps,
  INPUT_ERROR_CODES,
  type MedicError,
  parseDuration,
  type RecoveryResult,
  redactSecrets,
  secretsOf,
  unstartedResult,
} from '../core/index.js';
import { EXIT } from './exit-codes.js';
import { type Io, printResult } from './io.js';

export interface CliContext {
  readonly env: Record<string, string | undefined>;
  readonly packageRoot: string;
  readonly io: Io;
  readonly actor: string;
  /** The package's version (package.json). */
  readonly version?: string;
  /** Reads all of standard input (medic parse). */
  readonly stdin?: () => Promise<string>;
}

export class CliSession {
  code: number = EXIT.ok;

  constructor(readonly ctx: CliContext) {}

  get io(): Io {
    return this.ctx.io;
  }

  /**
   * Opens the core, runs `fn`, closes the core; `fn`'s value is the exit code. `unstarted` is
   * what a command that promises results prints when the core cannot be opened.
   */
  async withCore(
    fn: (deps: CoreDeps) => Promise<number>,
    unstarted?: (error: MedicError) => void,
  ): Promise<void> {
    const { env, packageRoot, io } = this.ctx;
    let deps: CoreDeps | undefined;
    try {
      // Loaded when a command opens the core, not for every command (the database and the
      // Docker client are most of the CLI's start).
      const { createLogger, openCore } = await import('../bootstrap/open-core.js');
      deps = await openCore({
        env,
        packageRoot,
        logger: createLogger({ LOG_LEVEL: 'warn', ...env }, io.log),
      });
      // [pager] Traces only when an OTLP endpoint is set: otherwise the SDK is never loaded.
      if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
        const tracer = await (await import('../metrics/tracing.js')).openTracer(env, 'workspace-medic');
        if (tracer) deps = { ...deps, tracer };
      }
      this.code = await fn(deps);
    } catch (error) {
      const e = this.report(error);
      if (!deps) unstarted?.(e);
    } finally {
      await deps?.tracer?.flush();
      await deps?.db.close().catch(() => undefined);
    }
  }

  /** Says what went wrong (code, message, hint; no secret) and sets the exit code from the code. */
  report(error: unknown): MedicError {
    const e = asMedicError(error);
    this.io.err(
      redactSecrets(
        `medic: ${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`,
        secretsOf(this.ctx.env),
      ),
    );
    this.code = INPUT_ERROR_CODES.has(e.code)
      ? EXIT.usage
      : e.code === 'DATABASE_IN_USE'
        ? EXIT.busy
        : EXIT.failed;
    return e;
  }

  /**
   * With --json, one result per input even when no run could begin, so that a script reading
   * stdout sees the failure and its code (the message and hint are on stderr either way).
   */
  unstartedResults(
    inputs: readonly string[],
    command: RecoveryResult['command'],
    asJson: boolean | undefined,
  ) {
    return (error: MedicError): void => {
      if (!asJson) return;
      const options = { actor: this.ctx.actor, source: 'cli' as const };
      for (const input of inputs)
        printResult(
          this.io,
          unstartedResult({ command: command, input: input, options: options, error: error, at: new Date() }),
          true,
        );
    };
  }
}

/** What every command's --help ends with: examples, and the environment it reads. */
export function helpFooter(examples: readonly string[], env: readonly string[]): string {
  const lines = ['', 'Examples:', ...examples.map((e) => `  $ ${e}`)];
  if (env.length > 0) lines.push('', `Environment: ${env.join(', ')} (docs/configuration.md).`);
  return lines.join('\n');
}

/** The settings every command that opens the core reads. */
export const CORE_ENV = ['DATABASE_URL', 'MEDIC_DATA_DIR', 'LOG_LEVEL'] as const;
/** ...and those a run that changes a workspace reads. */
export const RUN_ENV = [
  ...CORE_ENV,
  'DOCKER_HOST',
  'CONFIGS_DIR',
  'MEDIC_LEASE_TTL_S',
  'MEDIC_RESTART_BUDGET',
  'MEDIC_START_TIMEOUT_S',
  'MEDIC_STOP_TIMEOUT_S',
  'MEDIC_TEMPLATE_MAX_BYTES',
  'MEDIC_SNAPSHOT_MAX_BYTES',
] as const;

export const jsonOption = () => new Option('--json', 'print only JSON objects on stdout, one per line');

/** `--concurrency <n>` of the commands that recover many; unset, the core sizes it to the engine (atATime). */
export const concurrencyOption = (what: string) =>
  new Option('--concurrency <n>', `${what} (default: 2 per CPU of the engine, from 2 to 16)`).argParser(
    positiveInt,
  );

/** How watch and agent say each decision: a line for a person, or JSON for a log pipeline. */
export const logFormatOption = () =>
  new Option(
    '--log-format <format>',
    'one line per decision (heal, failure, refusal, skip): human, or json (default: human on a terminal, json otherwise)',
  ).choices(['human', 'json']);

/** The format asked for, or the one for where stderr goes. */
export function logFormatOf(asked: string | undefined): 'human' | 'json' {
  return asked === 'human' || asked === 'json' ? asked : process.stderr.isTTY ? 'human' : 'json';
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

/**
 * A commander parser of a duration (`30d`, `12h`, `90m`, `45s`) in ms; its error shows
 * `examples`. `positive`: 0 is refused too.
 */
export function duration(
  examples: string,
  o: { readonly positive?: boolean } = {},
): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms === null || (o.positive && ms <= 0)) throw new InvalidArgumentError(`must look like ${examples}`);
    return ms;
  };
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0: off)');
  return n;
}
