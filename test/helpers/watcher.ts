// A Watcher over the test world's engine and database, built as `medic watch` builds one
// (the engine's container events, no incident hook), and started. `env` goes to deps().
import type { Readable } from 'node:stream';
import { noIncidentHook } from '../../src/watch/incident-hook.js';
import { Watcher, type WatcherOptions } from '../../src/watch/watcher.js';
import type { TestWorld } from './services.js';

export function startWatcher(
  world: TestWorld,
  options: Partial<WatcherOptions> & { readonly env?: Record<string, string> } = {},
): Watcher {
  const { env, ...rest } = options;
  const watcher = new Watcher(world.deps(env), {
    intervalS: 3600,
    concurrency: 2,
    incidents: noIncidentHook,
    events: (since) =>
      world.docker.getEvents({
        ...(since ? { since } : {}),
        filters: { type: ['container'] },
      }) as Promise<Readable>,
    ...rest,
  });
  watcher.start();
  return watcher;
}
