// Delivers the outbox (docs/signal.md) in every long-running process: claims due events (SKIP
// LOCKED), posts each with a 10 s cut, records every attempt, retries with the one backoff (1 s
// … 10 min, jittered) for 24 h, then gives up with the reason; one delivery id every attempt.
// Claims are fair across sinks (at most 4 of a sink's in flight here), a sink failing 5 times
// in a row is paused (up to 30 s, doubling), a Slack sink gets a storm as one digest per kind
// per MEDIC_NOTIFY_DIGEST, PagerDuty and Opsgenie their own requests (pager-messages.ts), and a
// resolve is never given up. Nothing here is on a recovery's path.
import {
  backoffMs,
  type CoreDeps,
  claimDue,
  claimSlackGroups,
  type OutboxRow,
  pagerAction,
  SINK_TRIP_AFTER,
  settleAttempt,
} from '../core/index.js';
import { cutUrl } from './messages.js';
import { sendRow } from './send.js';

export interface NotifierOptions {
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly maxBackoffS?: number;
  readonly giveUpAfterMs?: number;
}

export interface Attempted {
  readonly deliveryId: string;
  readonly sink: number;
  readonly event: string;
  readonly to: string;
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/** Deliveries in flight in one process, and of them for one sink; a sink's first pause (ms, up to). */
const [IN_FLIGHT, PER_SINK, PAUSE_MS] = [20, 4, 30_000];

interface SinkState {
  inFlight: number;
  failures: number;
  pausedUntil: number;
  pauses: number;
}

export class Notifier {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sinks = new Map<string, SinkState>();
  /** Sinks whose variable this process lacks, already said. */
  private readonly saidUnset = new Set<string>();
  private readonly o: Required<NotifierOptions>;

  constructor(
    private readonly deps: Pick<CoreDeps, 'db' | 'logger' | 'config' | 'clock'>,
    private readonly env: Readonly<Record<string, string | undefined>>,
    options: NotifierOptions = {},
  ) {
    this.o = {
      pollMs: options.pollMs ?? 500,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxBackoffS: options.maxBackoffS ?? 600,
      giveUpAfterMs: options.giveUpAfterMs ?? 24 * 3600 * 1000,
    };
  }

  start(): void {
    const tick = () => {
      this.running = this.claimMore()
        .catch((error: unknown) =>
          this.deps.logger.warn({ err: (error as Error).message }, 'notifications: pass failed'),
        )
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.o.pollMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Sinks paused now (a circuit: too many failures in a row), with when each resumes. */
  paused(now = this.deps.clock.now().getTime()): Array<{ readonly urlEnv: string; readonly until: Date }> {
    return [...this.sinks.entries()]
      .filter(([, s]) => s.pausedUntil > now)
      .map(([urlEnv, s]) => ({ urlEnv, until: new Date(s.pausedUntil) }));
  }

  /** `medic notify test`'s pass: the events `ids` names tried once, awaited, to say what each sink answered. */
  async pass(ids?: readonly string[]): Promise<Attempted[]> {
    const rows = await claimDue(this.deps.db, ids ? ids.length : IN_FLIGHT, this.leaseS, ids);
    return Promise.all(rows.map((row) => this.deliver(row)));
  }

  private get leaseS(): number {
    return Math.ceil(this.o.timeoutMs / 1000) + 20;
  }

  private sink(urlEnv: string): SinkState {
    const s = this.sinks.get(urlEnv) ?? { inFlight: 0, failures: 0, pausedUntil: 0, pauses: 0 };
    this.sinks.set(urlEnv, s);
    return s;
  }

  /** The loop's claim: what there is room for, fairly across sinks, each settled on its own; Slack's by group. */
  private async claimMore(): Promise<void> {
    const room = IN_FLIGHT - this.inFlight.size;
    if (room <= 0) return;
    const now = this.deps.clock.now().getTime();
    const skip = [...this.sinks.entries()]
      .filter(([, s]) => s.inFlight >= PER_SINK || s.pausedUntil > now)
      .map(([urlEnv]) => urlEnv);
    const rows = await claimDue(this.deps.db, room, this.leaseS, undefined, { perSink: PER_SINK, skip });
    const digestS = this.deps.config.notifyDigestMs / 1000;
    const groups = await claimSlackGroups(this.deps.db, this.leaseS, digestS, skip);
    for (const group of [...rows.map((row) => [row]), ...groups]) {
      const row = group[0]!;
      const s = this.sink(row.urlEnv);
      s.inFlight++;
      const delivery = this.deliver(row, group)
        .then((a) => this.note(row.urlEnv, a.ok))
        .catch((error: unknown) =>
          this.deps.logger.warn({ err: (error as Error).message }, 'notifications: delivery failed'),
        )
        .finally(() => {
          s.inFlight--;
          this.inFlight.delete(delivery);
        });
      this.inFlight.add(delivery);
    }
  }

  /** A sink that keeps failing is paused (its rows wait, untried), then tried again. */
  private note(urlEnv: string, ok: boolean): void {
    const s = this.sink(urlEnv);
    if (ok) {
      s.failures = 0;
      s.pauses = 0;
      return;
    }
    s.failures++;
    if (s.failures < SINK_TRIP_AFTER || s.pausedUntil > this.deps.clock.now().getTime()) return;
    const ms = backoffMs(s.pauses + 1, { baseMs: PAUSE_MS, capMs: 600_000 });
    s.pauses++;
    s.failures = 0;
    s.pausedUntil = this.deps.clock.now().getTime() + ms;
    this.deps.logger.warn(
      { sink: urlEnv, pausedS: ms / 1000 },
      'notifications: sink keeps failing; paused (its events wait, and are tried when it resumes)',
    );
  }

  /** Delivers `row`, or with `group` (Slack, one kind) all of them as one digest message; each row is settled. */
  private async deliver(row: OutboxRow, group: readonly OutboxRow[] = [row]): Promise<Attempted> {
    const pager = row.kind === 'pagerduty' || row.kind === 'opsgenie';
    const sent = await sendRow(row, group, this.env, {
      dashboardUrl: this.deps.config.dashboardUrl,
      timeoutMs: this.o.timeoutMs,
      clock: this.deps.clock,
    });
    const { url, secret, status, error, ms } = sent;
    const age = this.deps.clock.now().getTime() - row.createdAt.getTime();
    // `medic notify test` is one shot: its answer is what the operator asked for, and another
    // process must not deliver it later.
    const next = !error
      ? { delivered: true as const }
      : row.event === 'test'
        ? { gaveUp: `a test, not retried: ${error}` }
        : age >= this.o.giveUpAfterMs && !(pager && pagerAction(row.event) === 'resolve')
          ? { gaveUp: `gave up after ${row.attempts} attempts over 24 h: ${error}` }
          : { retryInS: backoffMs(row.attempts, { baseMs: 1000, capMs: this.o.maxBackoffS * 1000 }) / 1000 };
    for (const r of group) await settleAttempt(this.deps.db, r, { status, ms, error, next });
    // A variable missing from this process is said once, with the fix, not at every retry.
    const unset = !url || (row.secretEnv !== null && !secret);
    if (error && !(unset && this.saidUnset.has(row.urlEnv))) {
      if (unset) this.saidUnset.add(row.urlEnv);
      this.deps.logger.warn(
        { sink: row.sink, event: row.event, delivery: row.deliveryId, attempt: row.attempts, err: error },
        unset
          ? `notification not delivered: set ${row.secretEnv && !secret ? row.secretEnv : row.urlEnv} in this process (said once; its events wait)`
          : 'notification not delivered',
      );
    }
    return {
      deliveryId: row.deliveryId,
      sink: row.sink,
      event: row.event,
      to: cutUrl(url),
      ok: !error,
      status,
      error,
    };
  }
}
