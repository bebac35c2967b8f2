// What a healer (medic watch, each agent) does at each sweep besides queueing the failed rows:
// before, the breakers' chores ([storm]: a breaker under its limit long enough closes, a
// flapping workspace healthy again is said stable); after, the last good copies ([keep]: the
// healthy workspaces due a look, those this process serves), one pass at a time, off the
// sweep's path so that a slow engine never delays a heal.
import { brakeChores, type CoreDeps, keepChores, type RecoveryResult } from '../core/index.js';

export class SweepChores {
  private keeping = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly o: {
      /** Who takes the copies, for `medic keep list` (`medic-watch`, an agent's name). */
      readonly takenBy: string;
      readonly owns?: (containers: string[]) => Promise<ReadonlySet<string>>;
      /** A workspace at risk the policy healed: reported as the healer's own recoveries are. */
      readonly onHealed?: (result: RecoveryResult) => Promise<void> | void;
    },
  ) {}

  async before(): Promise<void> {
    await brakeChores(this.deps).catch((error: unknown) =>
      this.deps.logger.warn({ err: (error as Error).message }, 'could not look at the breakers; will retry'),
    );
  }

  /** Starts a pass over the workspaces due a look, unless one is under way; `settled` when it ends. */
  after(): Promise<void> {
    if (this.keeping) return Promise.resolve();
    this.keeping = true;
    return keepChores(this.deps, this.o)
      .then((kept) => {
        if (kept.stored > 0 || kept.healed > 0) this.deps.logger.info(kept, 'kept last good copies');
      })
      .catch((error: unknown) =>
        this.deps.logger.warn(
          { err: (error as Error).message },
          'could not look for last good copies; will retry',
        ),
      )
      .finally(() => {
        this.keeping = false;
      });
  }
}
