// What `medic watch` and `medic agent` say about each thing they decide: one line per heal,
// failure, refusal (budget, hold, policy) and skip, human-readable on a terminal and JSON
// otherwise (--log-format). Containers named ws-* that are no workspace of this database are
// not logged one by one: counted, and summarised once a minute. The same skip of the same
// workspace (a hold, a backoff) is said again only after ten minutes.
import { type Logger, nextStep, type RecoveryResult } from '../core/index.js';

export type DecisionKind = 'healed' | 'failed' | 'refused' | 'busy' | 'interrupted' | 'skipped';

export interface Decision {
  readonly kind: DecisionKind;
  /** ws-<id12>, or the container's name when it is no workspace. */
  readonly workspace: string;
  readonly code?: string;
  /** Why, in words: the error's message, the hold, the verdict. */
  readonly why?: string;
  readonly runId?: string;
  readonly ms?: number;
}

export type LogFormat = 'human' | 'json';

/** What the watcher says about what it decides. */
export interface Decisions {
  ran(result: RecoveryResult): void;
  decide(d: Decision): void;
  stranger(container: string): void;
}

/** Decisions as log records, for a watcher given no DecisionLog (tests, embedders). */
export function loggerDecisions(log: Logger): Decisions {
  return {
    ran: (r) =>
      log.info(
        { workspace: r.workspace.id, outcome: r.outcome, error: r.error?.code, runId: r.runId },
        'automatic recovery',
      ),
    decide: (d) => (d.kind === 'failed' ? log.warn({ ...d }, 'could not heal') : log.info({ ...d }, d.kind)),
    stranger: (container) => log.debug({ container }, 'no workspace of this database'),
  };
}

const REPEAT_MS = 10 * 60_000;
const SUMMARY_MS = 60_000;

export class DecisionLog implements Decisions {
  private readonly said = new Map<string, number>();
  private strangers = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: (line: string) => void,
    private readonly format: LogFormat,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.timer = setInterval(() => this.summarise(), SUMMARY_MS);
    this.timer.unref();
  }

  /** A run's result, as a decision. */
  ran(result: RecoveryResult): void {
    const workspace = result.workspace.container;
    const kind: DecisionKind =
      result.outcome === 'recovered' || result.outcome === 'healthy'
        ? 'healed'
        : result.outcome === 'refused'
          ? 'refused'
          : result.outcome === 'busy' || result.outcome === 'interrupted'
            ? result.outcome
            : 'failed';
    this.decide({
      kind,
      workspace,
      runId: result.runId,
      ms: Date.parse(result.finishedAt) - Date.parse(result.startedAt),
      ...(result.error ? { code: result.error.code, why: result.error.message } : {}),
    });
  }

  decide(d: Decision): void {
    if (d.kind === 'skipped') {
      const key = `${d.workspace}\u0000${d.why ?? ''}`;
      const last = this.said.get(key);
      const at = this.now().getTime();
      if (last !== undefined && at - last < REPEAT_MS) return;
      if (this.said.size > 10_000) this.said.clear(); // a bound on memory
      this.said.set(key, at);
    }
    this.write(this.format === 'json' ? JSON.stringify({ time: this.now().toISOString(), ...d }) : human(d));
  }

  /** A ws-* container that is no workspace of this database: counted, not logged. */
  stranger(container: string): void {
    this.strangers.add(container);
  }

  /** The summary of the last minute's strangers (also at the end). */
  summarise(): void {
    if (this.strangers.size === 0) return;
    const names = [...this.strangers];
    this.strangers = new Set();
    const why = `${names.length} ws-* containers on this engine are no workspace of this database (e.g. ${names.slice(0, 3).join(', ')}); left alone`;
    this.write(
      this.format === 'json'
        ? JSON.stringify({
            time: this.now().toISOString(),
            kind: 'ignored',
            count: names.length,
            examples: names.slice(0, 3),
          })
        : `medic: ${why}`,
    );
  }

  close(): void {
    clearInterval(this.timer);
    this.summarise();
  }
}

function human(d: Decision): string {
  const run = d.runId
    ? ` (run ${d.runId.slice(0, 8)}${d.ms !== undefined ? `, ${(d.ms / 1000).toFixed(1)} s` : ''})`
    : '';
  const code = d.code ? ` ${d.code}` : '';
  const why = d.why ? `: ${d.why}` : '';
  const hint = d.code && d.kind !== 'healed' ? nextStep(d.code) : null;
  return `medic: ${d.kind} ${d.workspace}${code}${why}${run}${hint ? ` (next: ${hint})` : ''}`;
}
