// What a run's steps and body give back (run.ts).
import type { Outcome } from '../model/result.js';

/** What a step's work returns: its detail text, its value, and whether it found nothing to do. */
export interface StepWork<T> {
  readonly detail: string;
  readonly value: T;
  readonly skipped?: boolean;
}

/** What a run's body ends with when it does not throw. */
export type RunEnd = Extract<Outcome, 'recovered' | 'healthy' | 'planned'>;
