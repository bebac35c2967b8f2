// Counts for the reliability suite's summary line: faults injected, bad inputs tried, runs
// that lost data. Each test adds to a file named by MEDIC_TALLY_FILE (scripts/test.sh sets
// it and prints the totals); without it the counts go nowhere.
import { appendFileSync } from 'node:fs';

export type TallyKind = 'fault' | 'badInput' | 'dataLoss';

export function tally(kind: TallyKind, n = 1): void {
  const file = process.env.MEDIC_TALLY_FILE;
  if (file && n > 0) appendFileSync(file, `${kind} ${n}\n`);
}
