// What the action reports: its outputs, the job summary table, and whether the step fails.

import { isSuccess, type RecoveryResult } from '../core/index.js';
import { resultTable } from '../markdown/render-status.js';
import type { OutputKey } from './inputs.js';

/** One outcome for several results: the most serious one. */
export function overallOutcome(results: readonly RecoveryResult[]): string {
  const order = ['failed', 'refused', 'interrupted', 'busy', 'recovered', 'planned', 'healthy'] as const;
  return order.find((o) => results.some((r) => r.outcome === o)) ?? 'none';
}

export function outputsFor(results: readonly RecoveryResult[]): Record<OutputKey, string> {
  return {
    outcome: overallOutcome(results),
    'run-id': results.map((r) => r.runId).join(' '),
    result: JSON.stringify(results.length === 1 ? results[0] : results),
  };
}

export function summaryMarkdown(title: string, results: readonly RecoveryResult[]): string {
  if (results.length === 0) return `### 🩺 medic: ${title}\n\nNothing was run.\n`;
  return [`### 🩺 medic: ${title}`, '', ...resultTable(results), ''].join('\n');
}

export function failures(results: readonly RecoveryResult[]): string[] {
  return results
    .filter((r) => !isSuccess(r.outcome))
    .map(
      (r) =>
        `${r.workspace.container}: ${r.outcome}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`,
    );
}
