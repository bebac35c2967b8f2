// What a worker needs of a queue, and what a worker's work may answer: the contract between
// the queue (fenced-queue.ts) and the worker (worker.ts).
import { backoffMs } from '../../core/index.js';

/** What a worker holds: an item and the attempt it claimed (every write names both). */
export interface Claimed {
  readonly id: number;
  readonly attempt: number;
}

/**
 * A Postgres queue of work items: claimed with SKIP LOCKED, heartbeated, finished, reclaimed.
 * Every write a worker makes about an item names the worker and its attempt, and is refused
 * once either has moved on (another worker reclaimed it): a worker that stalled and woke up
 * can neither finish nor extend what is no longer its own.
 */
export interface WorkQueue<J extends Claimed> {
  claim(worker: string): Promise<J | null>;
  /** Heartbeats what this worker holds; returns the ids it no longer holds. */
  heartbeat(worker: string, held: readonly Claimed[]): Promise<number[]>;
  /** Ends it, if it is still this worker's attempt; false when it was not. */
  finish(worker: string, item: Claimed, state: 'done' | 'failed', error: string | null): Promise<boolean>;
  /** Puts it back to be claimed again after `delayS`, if it is still this worker's attempt. */
  retry(worker: string, item: Claimed, delayS: number, why: string): Promise<boolean>;
  /** Whether it is still this worker's attempt. */
  holds(worker: string, item: Claimed): Promise<boolean>;
  /** Puts back what a dead worker held (never what `running` names: the asker runs it); returns what was given up. */
  reclaimStale(staleS: number, running: readonly Claimed[]): Promise<J[]>;
}

/** Thrown by a job's work to have it claimed again after `delayS` instead of finished. */
export class RetryLater extends Error {
  constructor(
    readonly delayS: number,
    why: string,
  ) {
    super(why);
  }
}

/** How long before an item put back is claimed again (s): the one backoff (core's backoffMs), from 1 s. */
export function backoffS(attempt: number, capS = 60, random: () => number = Math.random): number {
  return backoffMs(attempt, { baseMs: 1000, capMs: capS * 1000 }, random) / 1000;
}
