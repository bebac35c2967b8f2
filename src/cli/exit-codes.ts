// The CLI's exit codes (docs/cli.md): 0 recovered/healthy/planned, 1 failed, 2 invalid input or
// usage, 3 busy, 130 interrupted (Ctrl-C). Several results: the most serious wins (2, then 1, then 130, then 3).

import type { RecoveryResult } from '../core/index.js';
import { INPUT_ERROR_CODES } from '../core/index.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, busy: 3, interrupted: 130 } as const;

export function exitCodeFor(results: readonly RecoveryResult[]): number {
  const codes = results.map((r) => {
    if (r.outcome === 'busy') return EXIT.busy;
    if (r.outcome === 'interrupted') return EXIT.interrupted;
    if (r.outcome === 'refused') return EXIT.failed;
    if (r.outcome !== 'failed') return EXIT.ok;
    return r.error && INPUT_ERROR_CODES.has(r.error.code) ? EXIT.usage : EXIT.failed;
  });
  for (const code of [EXIT.usage, EXIT.failed, EXIT.interrupted, EXIT.busy])
    if (codes.includes(code)) return code;
  return EXIT.ok;
}
