// The CLI's exit codes: the most serious outcome of several wins (2, then 1, then 3).
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js';
import { type RecoveryResult, unstartedResult } from '../../src/core/index.js';
import { InvalidTargetError, TemplateNotFoundError } from '../../src/core/model/errors.js';

const at = new Date('2026-11-26T00:00:00Z');
const opts = { actor: 'alice', source: 'cli' } as const;
const failed = (error: Error) =>
  unstartedResult({ command: 'recover', input: 'ws-92f6d88b-6a9', options: opts, error: error, at: at });
const withOutcome = (outcome: RecoveryResult['outcome']): RecoveryResult => ({
  ...failed(new Error('x')),
  outcome,
  error: null,
});

describe('exitCodeFor', () => {
  it('is 0 for recovered, healthy and planned, and for no results', () => {
    expect(exitCodeFor([withOutcome('recovered'), withOutcome('healthy'), withOutcome('planned')])).toBe(
      EXIT.ok,
    );
    expect(exitCodeFor([])).toBe(EXIT.ok);
  });

  it('is 2 for an input error, 1 for a run failure, 3 for busy', () => {
    expect(exitCodeFor([failed(new InvalidTargetError('bad'))])).toBe(EXIT.usage);
    expect(exitCodeFor([failed(new TemplateNotFoundError('none'))])).toBe(EXIT.failed);
    expect(exitCodeFor([withOutcome('busy')])).toBe(EXIT.busy);
  });

  it('lets the most serious win: usage, then failed, then busy', () => {
    const busy = withOutcome('busy');
    const run = failed(new TemplateNotFoundError('none'));
    const usage = failed(new InvalidTargetError('bad'));
    expect(exitCodeFor([busy, run])).toBe(EXIT.failed);
    expect(exitCodeFor([busy, run, usage, withOutcome('recovered')])).toBe(EXIT.usage);
    expect(exitCodeFor([withOutcome('recovered'), busy])).toBe(EXIT.busy);
  });
});
