// A diagnosis table for a comment (for /diagnose and for incident issues), with the exact
// /recover command that would fix what needs fixing.

import { type Diagnosis, describe, isFixable, MedicError } from '../core/index.js';
import { codeSpan, escapeInline } from './escape.js';

export interface DiagnosisRow {
  readonly target: string;
  readonly found: Diagnosis | Error;
}

export function diagnosisTable(rows: readonly DiagnosisRow[], title: string): string {
  const fixable: string[] = [];
  const lines = rows.map(({ target, found }) => {
    if (found instanceof Error) {
      const code = found instanceof MedicError ? found.code : 'ERROR';
      return `| ${codeSpan(target)} | ❓ ${codeSpan(code)} | ${escapeInline(found.message, 300)} |`;
    }
    if (isFixable(found.verdict)) fixable.push(found.container);
    return `| ${codeSpan(found.container)} | ${found.verdict} | ${escapeInline(describe(found), 300)} |`;
  });
  return [
    `### 🩺 medic: ${codeSpan(title)}`,
    '',
    '| workspace | verdict | state |',
    '|---|---|---|',
    ...lines,
    '',
    fixable.length > 0
      ? `To recover: \`/recover ${fixable.join(' ')}\``
      : 'Nothing here that medic would recover.',
  ].join('\n');
}
