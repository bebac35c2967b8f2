// [contain]: an approval request shows what will run, from the parsed command: every target
// (or how many more), every flag, and any cut marked. A request for three long targets once
// showed one, cut at 300 characters without a mark.
import { describe, expect, it } from 'vitest';
import { describeGated } from '../../src/chatops/approval-text.js';

const target = (i: number) => `ws-${String(i).padStart(12, '0')}`;

describe('the approval request text', () => {
  it('names every target and flag of a command longer than a comment line', () => {
    const targets = [target(1), target(2), target(3)];
    const text = describeGated({
      kind: 'recover',
      targets,
      force: true,
      dryRun: false,
      reason: 'x'.repeat(400),
    });
    for (const t of targets) expect(text).toContain(t);
    expect(text).toContain('`--force`');
    expect(text).toContain('3 workspaces');
    expect(text).toMatch(/…” \(cut\)$/);
  });

  it('counts the targets it does not show', () => {
    const targets = Array.from({ length: 25 }, (_, i) => target(i));
    const text = describeGated({ kind: 'recover', targets, force: true, dryRun: false, reason: null });
    expect(text).toContain('25 workspaces');
    expect(text).toContain('… and 15 more');
    expect(text).not.toContain(target(10));
  });
});
