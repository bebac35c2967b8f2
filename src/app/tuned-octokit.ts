// The app's installation client: Probot's, with medic's throttle tuning (github/throttle.ts).
import { ProbotOctokit } from 'probot';
import { THROTTLE_TUNING } from '../github/throttle.js';

/**
 * Probot's installation client with the tuning above. A subclass, not `defaults()`: Probot
 * wraps the class in its own `defaults()`, whose per-installation `throttle` object would
 * replace a nested one given to ours; the constructor adds the tuning after every merge.
 */
export class TunedProbotOctokit extends ProbotOctokit {
  constructor(options: ConstructorParameters<typeof ProbotOctokit>[0] = {}) {
    const throttle = { ...(options.throttle ?? {}), ...THROTTLE_TUNING };
    super({ ...options, throttle: throttle as NonNullable<typeof options.throttle> });
  }
}
