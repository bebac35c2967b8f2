// What the core needs from its door, passed in whole: no globals, no module mocks.

import type { StepListener } from '../run/run-recorder.js';
import type { MedicConfig } from './config.js';
import type { Clock, ContainerRuntime, Database, Logger } from './ports.js';
import type { Source } from './result.js';

export interface CoreDeps {
  readonly db: Database;
  readonly runtime: ContainerRuntime;
  readonly config: MedicConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Names this process in lease rows, e.g. `host:pid`. */
  readonly holder: string;
}

export interface RunOptions {
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly reason?: string | null;
  readonly actor: string;
  readonly source: Source;
  readonly onStep?: StepListener;
}
