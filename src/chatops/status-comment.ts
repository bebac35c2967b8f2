// One status comment per command. It is queued as a progress write once the command has run
// for a grace period (at once when that is 0); if the run ends before that write goes out (a
// quick recovery, or one while other writes hold the pace), the result itself is posted
// instead, with no "waiting" comment to edit. Otherwise it
// is edited in place as steps complete, edits coalesced (at most one in flight, at least
// `intervalMs` apart), and the final body goes out as a result write, ahead of
// acknowledgements and reactions. A failed edit never fails the recovery: it is logged, and
// the next edit (or the final one) carries the state again.
import type { Clock, Logger } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';
import type { PacedWrite, WritePacer } from '../github/write-pacer.js';

export class StatusComment {
  private id: number | null = null;
  private creating: PacedWrite<number> | null = null;
  private latest = '';
  private inFlight: Promise<void> | null = null;
  private dirty = false;
  private lastEdit = 0;

  private readonly github: GitHubPort;
  private readonly writes: WritePacer;
  private readonly issue: number;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly clock: Pick<Clock, 'now' | 'sleep'>;
  /** The grace is running: the comment is created when it ends, unless finish() came first. */
  private inGrace = false;

  constructor(o: {
    readonly github: GitHubPort;
    readonly writes: WritePacer;
    readonly issue: number;
    readonly logger: Logger;
    /** Time is read and waited on through it (the core's Clock; tests drive their own). */
    readonly clock: Pick<Clock, 'now' | 'sleep'>;
    /** Least time between two edits. */
    readonly intervalMs: number;
    /**
     * How long a command runs before its "waiting" comment is posted at all: one that ends
     * sooner posts its result as the first and only comment, which under GitHub's pace (a
     * second between writes) saves the user a second. 0: posted at once.
     */
    readonly graceMs?: number;
  }) {
    this.github = o.github;
    this.writes = o.writes;
    this.issue = o.issue;
    this.logger = o.logger;
    this.clock = o.clock;
    this.intervalMs = o.intervalMs;
    this.graceMs = o.graceMs ?? 0;
  }

  /** Queues the comment (after the grace); returns at once (the run does not wait for GitHub). */
  open(body: string): void {
    this.latest = body;
    if (this.graceMs <= 0) {
      this.create();
      return;
    }
    this.inGrace = true;
    void this.clock.sleep(this.graceMs).then(() => {
      if (!this.inGrace) return; // finished meanwhile: the result is the only comment
      this.inGrace = false;
      this.create();
    });
  }

  private create(): void {
    this.creating = this.writes.schedule('progress', async () => {
      const id = await this.github.createComment(this.issue, this.latest);
      this.id = id;
      this.lastEdit = this.now();
      return id;
    });
    this.creating.done.catch((error: unknown) =>
      this.logger.warn(
        { issue: this.issue, err: (error as Error).message },
        'could not create the status comment; recovering anyway',
      ),
    );
  }

  /** The comment's body is now `body`: edited in place (coalesced), or carried by the pending create. */
  update(body: string): void {
    this.latest = body;
    if (this.id === null) return;
    this.dirty = true;
    if (!this.inFlight) this.inFlight = this.flushLoop();
  }

  /** Writes the final body as a result (a new comment if none went out); throws if GitHub refuses it. */
  async finish(body: string): Promise<void> {
    this.latest = body;
    this.dirty = false;
    this.inGrace = false;
    if (this.creating?.cancel()) {
      this.creating = null;
      this.id =
        (await this.writes.schedule('result', () => this.github.createComment(this.issue, body)).done) ??
        null;
      return;
    }
    await this.creating?.done.catch(() => undefined);
    await this.inFlight;
    const id = this.id;
    if (id === null) {
      this.id =
        (await this.writes.schedule('result', () => this.github.createComment(this.issue, body)).done) ??
        null;
    } else {
      await this.writes.schedule('result', () => this.github.updateComment(id, body)).done;
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.dirty) {
      const wait = this.lastEdit + this.intervalMs - this.now();
      if (wait > 0) await this.clock.sleep(wait);
      if (!this.dirty) break;
      this.dirty = false;
      this.lastEdit = this.now();
      const id = this.id;
      if (id === null) continue;
      try {
        await this.writes.schedule('progress', () => this.github.updateComment(id, this.latest)).done;
      } catch (error) {
        this.logger.warn(
          { issue: this.issue, err: (error as Error).message },
          'status comment edit failed; will retry with the next',
        );
      }
    }
    this.inFlight = null;
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}
