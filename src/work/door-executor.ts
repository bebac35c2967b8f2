// How a door's work runs, chosen in one place for the app's jobs, its HTTP API and `medic
// serve`: with agents (MEDIC_EXECUTOR=agents), each scope's commands become tasks for the
// agent of the workspace's engine; otherwise here, and a run whose database session went away
// (a Postgres restart) is run again.
import { type CoreDeps, type Executor, localExecutor, retryingExecutor } from '../core/index.js';
import type { Wakeups } from '../db/wakeups.js';
import { agentsExecutor } from './tasks/agents-executor.js';

/** How often a door waiting on an agent's task reads it when no NOTIFY wakes it. */
const AGENT_POLL_MS = 200;

export function doorExecutor(
  core: CoreDeps,
  agents: { readonly waitS: number } | null | undefined,
  wakeups?: Wakeups,
): (scope: string) => Executor {
  if (!agents) return () => retryingExecutor(localExecutor(core), core.clock);
  return (scope) =>
    agentsExecutor(core, scope, {
      waitS: agents.waitS,
      pollMs: AGENT_POLL_MS,
      ...(wakeups ? { wakeups } : {}),
    });
}
