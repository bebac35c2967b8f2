// One status comment per command: created at once, then edited in place as steps complete.
// Edits are coalesced (at most one in flight, at least `intervalMs` apart) so a fast run
// does not trip GitHub's secondary rate limits. A failed edit never fails the recovery: it
// is logged with the run ids, and the next edit (or the final one) carries the state again.
import type { Logger } from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';

export class StatusComment {
  private id: number | null = null;
  private latest = '';
  private inFlight: Promise<void> | null = null;
  private dirty = false;
  private lastEdit = 0;

  constructor(
    private readonly github: GitHubPort,
    private readonly issue: number,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Posts the comment; if GitHub refuses, the run goes on and `finish` tries again. */
  async create(body: string): Promise<void> {
    this.latest = body;
    try {
      this.id = await this.github.createComment(this.issue, body);
    } catch (error) {
      this.logger.warn(
        { issue: this.issue, err: (error as Error).message },
        'could not create the status comment; recovering anyway',
      );
    }
    this.lastEdit = Date.now();
  }

  /** Schedules an edit to `body`; returns at once. */
  update(body: string): void {
    this.latest = body;
    this.dirty = true;
    if (!this.inFlight) this.inFlight = this.flushLoop();
  }

  /** Writes `body` now (after any edit in flight); throws if GitHub refuses it. */
  async finish(body: string): Promise<void> {
    this.latest = body;
    this.dirty = false;
    await this.inFlight;
    if (this.id === null) this.id = await this.github.createComment(this.issue, body);
    else await this.github.updateComment(this.id, body);
  }

  private async flushLoop(): Promise<void> {
    while (this.dirty) {
      const wait = this.lastEdit + this.intervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (!this.dirty) break;
      this.dirty = false;
      this.lastEdit = Date.now();
      try {
        if (this.id !== null) await this.github.updateComment(this.id, this.latest);
      } catch (error) {
        this.logger.warn(
          { issue: this.issue, err: (error as Error).message },
          'status comment edit failed; will retry with the next',
        );
      }
    }
    this.inFlight = null;
  }
}
