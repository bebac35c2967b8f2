// A resilient subscription to the Docker engine's container events for ws-* containers: it
// resubscribes when the stream drops (with backoff, and `since` the last event seen, so none
// is missed) until stopped.
import type { Readable } from 'node:stream';
import { backoffMs, type Clock, isContainerName, type Logger, systemClock } from '../core/index.js';

export interface WorkspaceEvent {
  readonly container: string;
  readonly action: string;
  readonly time: number;
  /** The container's id (placements keep it). */
  readonly id: string;
  /** For a rename: the name it had. */
  readonly oldName: string | null;
}

/** Opens the raw event stream (dockerode's getEvents), from `since` (unix seconds) if given. */
export type EventSource = (since: number | null) => Promise<Readable>;

/** What the watcher heals on. */
export const HEALING_ACTIONS: ReadonlySet<string> = new Set(['die', 'start', 'health_status: unhealthy']);
/** What moves a container on or off an engine (an agent's placements). */
export const PLACEMENT_ACTIONS: ReadonlySet<string> = new Set(['create', 'destroy', 'rename']);

export class DockerEventFeed {
  private stream: Readable | null = null;
  private stopped = false;
  private lastTime: number | null = null;
  /** Failed connects in a row: the next waits the one backoff (core's backoffMs), from 500 ms to 30 s. */
  private failures = 0;

  constructor(
    private readonly open: EventSource,
    private readonly onEvent: (event: WorkspaceEvent) => void,
    private readonly logger: Logger,
    private readonly onState: (connected: boolean) => void = () => {},
    private readonly actions: ReadonlySet<string> = HEALING_ACTIONS,
    /** How the feed waits before it resubscribes (the core's clock; a test drives it). */
    private readonly clock: Pick<Clock, 'sleep'> = systemClock,
  ) {}

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.stream?.destroy();
  }

  private async connect(): Promise<void> {
    while (!this.stopped) {
      try {
        const stream = await this.open(this.lastTime);
        // Stopped while the engine was answering: the stream it opened is closed here, or its
        // socket would keep the process from exiting (a `medic watch` told to stop at start-up).
        if (this.stopped) {
          stream.destroy();
          return;
        }
        this.stream = stream;
        this.onState(true);
        this.failures = 0;
        await this.consume(stream);
        if (!this.stopped) this.logger.warn({}, 'docker event stream ended; reconnecting');
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'docker events unavailable; retrying');
      }
      this.onState(false);
      if (this.stopped) return;
      const retryMs = backoffMs(++this.failures, { baseMs: 500, capMs: 30_000 });
      await this.clock.sleep(retryMs);
    }
  }

  private consume(stream: Readable): Promise<void> {
    let buffer = '';
    return new Promise((resolve) => {
      stream.on('data', (chunk: Buffer | string) => {
        buffer += chunk.toString();
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          this.handle(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
        }
      });
      stream.once('end', () => resolve());
      stream.once('close', () => resolve());
      stream.once('error', () => resolve());
    });
  }

  private handle(line: string): void {
    if (!line.trim()) return;
    let event: {
      Type?: string;
      Action?: string;
      time?: number;
      Actor?: { ID?: string; Attributes?: { name?: string; oldName?: string } };
    };
    try {
      event = JSON.parse(line);
    } catch {
      return; // a partial or foreign line; the engine speaks JSON lines
    }
    const name = event.Actor?.Attributes?.name ?? '';
    // A rename names the old one with its slash ("/ws-…").
    const oldName = event.Actor?.Attributes?.oldName?.replace(/^\//, '') ?? null;
    if (typeof event.time === 'number') this.lastTime = event.time;
    const ours = isContainerName(name) || (oldName !== null && isContainerName(oldName));
    if (event.Type !== 'container' || !ours || !this.actions.has(event.Action ?? '')) return;
    this.onEvent({
      container: name,
      action: event.Action ?? '',
      time: event.time ?? 0,
      id: event.Actor?.ID ?? '',
      oldName,
    });
  }
}
