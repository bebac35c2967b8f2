// How many recoveries one engine is given at a time when the operator does not say. Measured
// on a 2-CPU engine (bench/RESULTS.md, "Concurrency"): recoveries of 40 bridge workspaces ran
// at 4.8 a second at 4, 8, 12 and 16 at a time alike (the engine's CPUs are the limit: dockerd,
// containerd and runc do each stop and start, and each archive call spawns a tar helper), so two
// per CPU of the engine is the least that keeps it busy; more only queues inside the engine.
// Bounded: at least 2 (one slow stop must not hold up the rest), at most 16 (each run holds a
// database session, and a bigger engine is not yet measured).
export const PER_ENGINE_CPU = 2;
const MIN = 2;
const MAX = 16;

/** The default width for an engine with `cpus` CPUs (null: the engine did not say: 4, as before). */
export function recoveriesAtATime(cpus: number | null | undefined): number {
  if (!cpus || !Number.isFinite(cpus) || cpus < 1) return 4;
  return Math.min(MAX, Math.max(MIN, Math.round(cpus * PER_ENGINE_CPU)));
}
