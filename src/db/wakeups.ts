// Wakeups from Postgres NOTIFY, for code that otherwise polls: a waiter on a key (a task's id)
// returns when that key is notified or when its poll interval is up, whichever comes first.
// Without LISTEN (the embedded database, or a listener that is down) every wait is a poll.
import type { Database, Logger } from '../core/index.js';

export const TASK_EVENTS = 'medic_task_events';
export const TASKS_QUEUED = 'medic_tasks';
/** Sent by medic's optional trigger on the platform's table when a row becomes `failed`. */
export const WORKSPACE_FAILED = 'medic_workspace_failed';

/**
 * Calls `onNotify` with each payload on `channel` when the database can LISTEN; otherwise (the
 * embedded database, or LISTEN refused) says so once and leaves the caller to its polling.
 * Resolves to the function that stops listening.
 */
export async function listenOrPoll(
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
  logger: Logger,
): Promise<() => Promise<void>> {
  const none = async () => {};
  if (!db.listen) return none;
  try {
    return await db.listen(channel, onNotify);
  } catch (error) {
    logger.warn({ channel, err: (error as Error).message }, 'cannot LISTEN; polling instead');
    return none;
  }
}

interface Interest {
  pending: boolean;
  wake: (() => void) | null;
}

export class Wakeups {
  private readonly interests = new Map<string, Interest>();
  private stop: () => Promise<void> = async () => {};

  /** Listens on `channel` when the database can; polls otherwise (and says so). */
  static async open(db: Database, channel: string, logger: Logger): Promise<Wakeups> {
    const wakeups = new Wakeups();
    wakeups.stop = await listenOrPoll(db, channel, (key) => wakeups.notify(key), logger);
    return wakeups;
  }

  /** Follows a key until the returned function is called; `wait` resolves on its next notify. */
  follow(key: string): { wait(ms: number): Promise<void>; close(): void } {
    const interest: Interest = { pending: false, wake: null };
    this.interests.set(key, interest);
    return {
      wait: (ms) =>
        new Promise<void>((resolve) => {
          if (interest.pending) {
            interest.pending = false;
            return resolve();
          }
          const timer = setTimeout(() => done(), ms);
          const done = () => {
            clearTimeout(timer);
            interest.wake = null;
            resolve();
          };
          interest.wake = done;
        }),
      close: () => {
        if (this.interests.get(key) === interest) this.interests.delete(key);
      },
    };
  }

  notify(key: string): void {
    const interest = this.interests.get(key);
    if (!interest) return;
    if (interest.wake) interest.wake();
    else interest.pending = true;
  }

  async close(): Promise<void> {
    await this.stop();
  }
}
