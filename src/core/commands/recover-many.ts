// recoverMany(targets): what every door does with a list of targets. One recovery at a time,
// in order, each result handed over as it finishes (a door shows them as they come).
import type { CoreDeps, RunOptions, StepListener } from '../model/deps.js';
import type { RecoveryResult } from '../model/result.js';
import { type Executor, localExecutor } from './executor.js';

export interface RecoverManyOptions extends Omit<RunOptions, 'onStep'> {
  /** A target's run begins; what it returns is told of that run's steps. */
  readonly onTarget?: (target: string, index: number) => StepListener | undefined;
  /** A target's run ended. */
  readonly onResult?: (result: RecoveryResult, index: number) => void;
  /** Where each recovery runs (default: this process). */
  readonly executor?: Executor;
}

export async function recoverMany(
  deps: CoreDeps,
  targets: readonly string[],
  options: RecoverManyOptions,
): Promise<RecoveryResult[]> {
  const { onTarget, onResult, executor = localExecutor(deps), ...run } = options;
  const results: RecoveryResult[] = [];
  for (const [index, target] of targets.entries()) {
    const onStep = onTarget?.(target, index);
    const result = await executor.recover(target, onStep ? { ...run, onStep } : run);
    results.push(result);
    onResult?.(result, index);
  }
  return results;
}
