// Counts for the reliability suite's summary line: faults injected, bad inputs tried, runs
// that lost data. Each test adds to a file named by MEDIC_TALLY_FILE (scripts/test.sh sets
// it and prints the totals); without it the counts go nowhere.
import { appendFileSync } from 'node:fs';

export type TallyKind = 'fault' | 'badInput' | 'dataLoss';

/**
 * Adds `n` of `kind`. A fault names the settings its test shortened (only ever to save time,
 * never to make it pass); one that names none ran with every setting at its default, and the
 * summary counts those apart.
 */
export function tally(kind: TallyKind, n = 1, o: { readonly shortened?: readonly string[] } = {}): void {
  const file = process.env.MEDIC_TALLY_FILE;
  if (!file || n <= 0) return;
  appendFileSync(file, `${kind} ${n}\n`);
  if (kind === 'fault' && (o.shortened ?? []).length === 0) appendFileSync(file, `faultAtDefaults ${n}\n`);
}
